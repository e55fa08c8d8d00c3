package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An instance on a real Redis that goes away and comes back: its 503 answers say {@code unavailable}
 * and nothing more (the Redis address and the exception are for the log only), and it serves again
 * within a second of Redis answering.
 */
class RedisOutageIT {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch redisDown = new CountDownLatch(1);
    private final Cluster cluster = new Cluster(1, o -> {}, server -> {
        // waits until the test has stopped Redis, then reads the room's history and lets a failure
        // through, as an application handler would
        server.on("history", (socket, data, ack) -> {
            entered.countDown();
            assertThat(redisDown.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                ack.send(server.history("r", 5).toCompletableFuture().join());
            } catch (CompletionException e) {
                throw (RuntimeException) e.getCause();
            }
        });
        server.on("join", (socket, data, ack) -> {
            entered.countDown();
            assertThat(redisDown.await(10, TimeUnit.SECONDS)).isTrue();
            socket.join("r");
        });
        server.on("say", (socket, data, ack) -> socket.broadcastToRoom("r", "said", data));
    });
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    RedisOutageIT() {
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void stop() {
        root.detachAppender(logged);
        cluster.close();
    }

    /** {@code POST /connect}, whatever the answer; the client keeps the credential if it was 200. */
    /** One {@code POST /connect}, whatever its answer (the client does not keep a session from it). */
    private static HttpResult connect(TestClient c) {
        return c.rawPost("/connect", new byte[0], java.util.Map.of());
    }

    /** Connects {@code c} if the server accepts it now (one request). */
    private static boolean connected(TestClient c) {
        try {
            c.connect();
            return true;
        } catch (AssertionError refused) {
            return false;
        }
    }

    private String address() {
        return "127.0.0.1:" + cluster.redis.port();
    }

    private void assertGeneric(HttpResult r) {
        assertThat(r.status()).as("%s", r.text()).isEqualTo(503);
        assertThat(r.json().path("error").asText()).isEqualTo("unavailable");
        assertThat(r.text())
                .as("no internal detail")
                .doesNotContain(address())
                .doesNotContain(String.valueOf(cluster.redis.port()))
                .doesNotContainIgnoringCase("redis")
                .doesNotContain("Exception")
                .doesNotContain("lettuce")
                .doesNotContain("\tat ");
    }

    /** What the log says, stack traces included. */
    private String log() {
        StringBuilder out = new StringBuilder();
        for (ILoggingEvent e : List.copyOf(logged.list)) {
            out.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                out.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
        }
        return out.toString();
    }

    private void answersWithoutDetail(String event) throws Exception {
        TestClient c = cluster.client(0);
        c.connect();
        CompletableFuture<HttpResult> answer = CompletableFuture.supplyAsync(
                () -> c.emitWithAck(event, null, true).response());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        cluster.redis.kill();
        redisDown.countDown();
        assertGeneric(answer.get(20, TimeUnit.SECONDS));
        assertGeneric(connect(cluster.client(0))); // a request that fails before any handler

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log())
                .as("the log keeps the detail")
                .contains("WARN")
                .contains(address())
                .contains("answered 503"));
    }

    @Test
    void aHandlerReadingHistoryWhileRedisIsDownGetsAGeneric503() throws Exception {
        answersWithoutDetail("history");
    }

    @Test
    void aHandlerJoiningWhileRedisIsDownGetsAGeneric503() throws Exception {
        answersWithoutDetail("join");
    }

    /**
     * Redis is gone for 10 s (the instance answers 503 all along) and comes back empty (no
     * persistence): within a second of Redis answering PING, a new session connects and emits.
     */
    @Test
    void servesAgainWithinASecondOfRedisAnswering() {
        assertThat(cluster.client(0).connect().status()).isEqualTo(200);
        cluster.redis.kill();
        await().during(Duration.ofSeconds(10))
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> connect(new TestClient(cluster.node(0).base)).status() == 503);

        cluster.redis.start(); // returns once Redis answers PING
        long answering = System.nanoTime();
        TestClient c = new TestClient(cluster.node(0).base);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> connected(c));
        Duration recovered = Duration.ofNanos(System.nanoTime() - answering);
        assertThat(c.emit("say", "back").status()).isEqualTo(200);
        assertThat(recovered).as("serving again after Redis answers").isLessThan(Duration.ofSeconds(1));
    }
}
