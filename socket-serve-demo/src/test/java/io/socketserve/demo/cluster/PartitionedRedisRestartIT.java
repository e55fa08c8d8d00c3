package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a standalone Redis restarted without persistence under two instances with a log of 4
 * partitions. Every partition's history and every session record are gone. The instances notice
 * with the first append after the restart (a new epoch in that partition), and no listener is left
 * in silence: its stream gets {@code __missed} or is ended by the server, and resuming it is
 * answered {@code 404 unknown_session}, upon which a client connects again.
 */
class PartitionedRedisRestartIT {

    static final int PARTITIONS = 4;

    private Cluster cluster;
    private PacedBroadcasts traffic;

    @BeforeEach
    void start() {
        cluster = Cluster.standalone(
                PARTITIONS,
                2,
                o -> o.backendTimeout(Duration.ofSeconds(2))
                        .eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1),
                PacedBroadcasts::handlers);
        traffic = new PacedBroadcasts(cluster, PARTITIONS);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static boolean said(TestClient talker, String room, int n) {
        try {
            return talker.emit("say", Map.of("room", room, "n", n)).status() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void noListenerIsLeftInSilence() {
        TestClient talker = cluster.client(0);
        talker.connect();
        for (int n = 0; n < 30; n++) {
            assertThat(said(talker, traffic.rooms.get(n % 3), n)).isTrue();
        }
        traffic.awaitDelivered(30);

        cluster.redis.restart(); // same port, empty data set

        TestClient again = cluster.client(1);
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        return again.connect().status() == 200;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
        for (int i = 0; i < 3; i++) {
            int n = 100 + i;
            String room = traffic.rooms.get(i);
            await().atMost(Duration.ofSeconds(10)).until(() -> said(again, room, n));
        }
        for (TestClient listener : traffic.listeners) {
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !listener.streamOpen()
                            || !PacedBroadcasts.received(listener)
                                    .missedPartitions()
                                    .isEmpty());
            String last = listener.lastEventIdText();
            assertThat(last).isNotNull();
            HttpResult resumed = listener.tryOpenStream(Map.of(), Map.of("Last-Event-ID", last));
            assertThat(resumed.status()).as("%s", resumed).isEqualTo(404);
            assertThat(resumed.json().path("error").asText()).isEqualTo("unknown_session");
        }
        // nothing was delivered under a position a listener had already seen
        for (TestClient listener : traffic.listeners) {
            assertThat(PacedBroadcasts.received(listener).byRoom().values())
                    .allSatisfy(ns -> assertThat(ns).isSorted().doesNotHaveDuplicates());
        }
    }
}
