package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.SessionData;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-session data, reached from handlers (over HTTP) and from the server. */
class SessionDataIT {

    private final TestServer ts = TestServer.start();

    @AfterEach
    void stop() {
        ts.close();
    }

    private SessionData dataOf(TestClient c) {
        return ts.server().socket(c.id()).orElseThrow().data();
    }

    @Test
    void setThenGetInALaterEvent() {
        ts.server().on("setName", (s, d, a) -> s.data().set("name", d.asText()));
        ts.server().on("getName", (s, d, a) -> a.send(s.data().get("name")));
        TestClient c = ts.connectedClient();

        c.emit("setName", "ada");

        assertThat(c.emitWithAck("getName", null, true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("ada");
    }

    @Test
    void getOfAnAbsentKeyIsNull() {
        TestClient c = ts.connectedClient();

        assertThat(dataOf(c).get("nothing")).isNull();
    }

    @Test
    void setNullRemovesTheKey() {
        TestClient c = ts.connectedClient();
        dataOf(c).set("k", 1);

        dataOf(c).set("k", null);

        assertThat(dataOf(c).all()).doesNotContainKey("k");
    }

    @Test
    void getBindsToAType() {
        TestClient c = ts.connectedClient();
        dataOf(c).set("profile", Map.of("x", 1, "y", 2));

        assertThat(dataOf(c).get("profile", EventsIT.Move.class)).isEqualTo(new EventsIT.Move(1, 2));
    }

    @Test
    void updateReplacesAtomically() {
        TestClient c = ts.connectedClient();
        dataOf(c).set("count", 41);

        Integer stored = dataOf(c).update("count", Integer.class, v -> v == null ? 1 : v + 1);

        assertThat(stored).isEqualTo(42);
        assertThat(dataOf(c).get("count", Integer.class)).isEqualTo(42);
    }

    @Test
    void updateEventsIncrementOverHttp() {
        ts.server().on("incr", (s, d, a) -> a.send(s.data().update("n", Integer.class, v -> v == null ? 1 : v + 1)));
        TestClient c = ts.connectedClient();

        for (int i = 0; i < 5; i++) {
            c.emit("incr", null);
        }

        assertThat(dataOf(c).get("n", Integer.class)).isEqualTo(5);
    }

    @Test
    void concurrentUpdatesFromManyThreadsLoseNothing() throws Exception {
        TestClient c = ts.connectedClient();
        int threads = 8;
        int each = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    SessionData data = dataOf(c);
                    for (int i = 0; i < each; i++) {
                        data.update("count", Integer.class, v -> v == null ? 1 : v + 1);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(dataOf(c).get("count", Integer.class)).isEqualTo(threads * each);
    }

    @Test
    void concurrentWritesToDifferentKeysKeepEveryKey() throws Exception {
        TestClient c = ts.connectedClient();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                String key = "k" + k;
                int value = k;
                done.add(pool.submit(() -> dataOf(c).set(key, value)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(dataOf(c).all()).hasSize(50);
        assertThat(dataOf(c).get("k37", Integer.class)).isEqualTo(37);
    }

    @Test
    void dataIsPerSession() {
        TestClient a = ts.connectedClient();
        TestClient b = ts.connectedClient();

        dataOf(a).set("k", "a");

        assertThat(dataOf(b).get("k")).isNull();
    }
}
