package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 2: a handler's broadcast whose Redis write timed out client-side (the POST is
 * answered {@code 503}) is still committed when Redis resumes. The client retries with the same
 * {@code seq} on another instance: it is told to wait ({@code 409}) while the first attempt makes its
 * appends again (each at most once), then gets the handler's answer. The handler ran once, and the
 * room got the message once.
 */
class ExactlyOnceClusterIT {

    private Cluster cluster;
    private final AtomicInteger runs = new AtomicInteger();
    private volatile CountDownLatch started = new CountDownLatch(1);
    private volatile CountDownLatch proceed = new CountDownLatch(0);

    @BeforeEach
    void start() {
        cluster = new Cluster(
                2,
                o -> o.backendTimeout(Duration.ofMillis(800))
                        .eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1),
                server -> {
                    server.on(
                            "join",
                            (socket, data, ack) -> socket.join(data.path("room").asText()));
                    server.on("say", (socket, data, ack) -> {
                        runs.incrementAndGet();
                        started.countDown();
                        try {
                            proceed.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        socket.broadcastToRoom(
                                "r", "said", Map.of("text", data.path("text").asText()));
                    });
                });
    }

    @AfterEach
    void stop() {
        proceed.countDown();
        cluster.close();
    }

    private static HttpResult post(TestClient c, String event, String data, long seq) {
        String body = "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data
                + ",\"seq\":" + seq + "}";
        return c.rawPost("/message", body.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }

    @Test
    void aWriteAnswered503ButCommittedIsDeliveredOnceAfterTheRetry() throws Exception {
        TestClient listener = cluster.client(0);
        listener.connect();
        assertThat(listener.emit("join", Map.of("room", "r")).status()).isEqualTo(200);
        listener.openStream();
        TestClient talker = cluster.client(1);
        talker.connect();

        proceed = new CountDownLatch(1);
        CompletableFuture<HttpResult> first =
                CompletableFuture.supplyAsync(() -> post(talker, "say", "{\"text\":\"once\"}", 1));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // Redis stops answering while the handler's broadcast is on its way: the write times out
        // client-side, and runs when Redis resumes.
        assertThat(cluster.redis.tryCommand("CLIENT PAUSE 3000 ALL")).isEqualTo("+OK");
        proceed.countDown();
        HttpResult answered = first.get(15, TimeUnit.SECONDS);
        assertThat(answered.status()).as("%s", answered).isEqualTo(503);
        assertThat(answered.header("Retry-After")).isEqualTo("1");

        // The client retries, as ours does, with the same seq, here on the other instance.
        TestClient retrying = cluster.as(talker, 0);
        HttpResult retried = await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> post(retrying, "say", "{\"text\":\"once\"}", 1), r -> r.status() == 200);
        assertThat(runs).as("the handler ran once").hasValue(1);

        // Once: what follows the retry in the room's order is the next message, not a duplicate.
        assertThat(listener.awaitEvent("said").data().path("text").asText()).isEqualTo("once");
        assertThat(post(talker, "say", "{\"text\":\"next\"}", 2).status()).isEqualTo(200);
        assertThat(listener.awaitEvent("said").data().path("text").asText()).isEqualTo("next");
        // and a further retry of the first changes nothing
        assertThat(post(retrying, "say", "{\"text\":\"once\"}", 1).body()).isEqualTo(retried.body());
        assertThat(runs).hasValue(2);
    }
}
