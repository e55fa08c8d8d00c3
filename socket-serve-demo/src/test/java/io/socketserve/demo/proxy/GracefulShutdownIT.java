package io.socketserve.demo.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.demo.DemoServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
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
 * {@code EmbeddedServer.drain} on one demo instance (on Redis), without a proxy: what each kind of
 * connection gets when the instance stops gracefully (docs/deploy.md, "Rolling deploys and
 * graceful shutdown").
 */
class GracefulShutdownIT {

    /**
     * Each blocking call of a test on a thread of its own: the common pool may have a single worker on
     * a 2-core machine, and two blocking calls would wait for each other (seen on JDK 25).
     */
    private static final java.util.concurrent.Executor BLOCKING = task -> new Thread(task, "test-blocking").start();

    private DemoInstances instances;
    private DemoServer.Running instance;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger slowStarted = new AtomicInteger();
    private final AtomicInteger slowHandled = new AtomicInteger();

    @BeforeEach
    void start() {
        instances = new DemoInstances(
                1,
                (server, i) -> server.on("slow", (socket, data, ack) -> {
                    slowStarted.incrementAndGet();
                    if (release.await(60, TimeUnit.SECONDS)) {
                        slowHandled.incrementAndGet();
                    }
                }));
        instance = instances.running(0);
    }

    @AfterEach
    void stop() {
        release.countDown();
        instances.close();
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + instance.port() + "/socket");
    }

    @Test
    void drainEndsStreamsWithTheLastChunkAndStopsAccepting() {
        TestClient alice = new TestClient(base());
        alice.connect();
        EventStream stream = EventStream.open(base(), alice.credential(), -1);
        await().until(() -> instance.http().openStreams() == 1);

        assertThat(instance.http().drain(Duration.ofSeconds(5))).isTrue();

        assertThat(stream.awaitEnd(Duration.ofSeconds(5))).isTrue();
        assertThat(stream.endedCleanly()).as("ended with the last chunk").isTrue();
        assertThat(stream.frames())
                .extracting(EventStream.Frame::event)
                .as("the final frame tells the client to reconnect at once")
                .containsExactly("connected", "__reconnect");
        await().until(() -> instance.http().openStreams() == 0); // counted down as the close completes
        assertThat(ProxyProcess.accepts(instance.port())).isFalse();
    }

    @Test
    void drainLetsARequestInProgressFinishAndClosesItsConnection() throws Exception {
        TestClient alice = new TestClient(base());
        alice.connect();
        CompletableFuture<HttpResult> slow = CompletableFuture.supplyAsync(
                () -> alice.rawPost(
                        "/message",
                        TestClient.json(Map.of("sessionId", alice.credential(), "event", "slow", "data", Map.of())),
                        Map.of("Content-Type", "application/json", "Connection", "keep-alive")),
                BLOCKING);
        await().until(() -> slowStarted.get() == 1);

        CompletableFuture<Boolean> drained =
                CompletableFuture.supplyAsync(() -> instance.http().drain(Duration.ofSeconds(20)), BLOCKING);
        await().until(() -> !ProxyProcess.accepts(instance.port()));
        assertThat(slow).isNotDone();
        assertThat(drained).isNotDone();
        release.countDown();

        HttpResult answer = slow.get(10, TimeUnit.SECONDS);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(slowHandled).hasValue(1);
    }

    @Test
    void drainReturnsFalseWhenARequestOutlastsTheTimeout() {
        TestClient alice = new TestClient(base());
        alice.connect();
        CompletableFuture<HttpResult> slow =
                CompletableFuture.supplyAsync(() -> alice.emit("slow", Map.of()), BLOCKING);
        await().until(() -> slowStarted.get() == 1);

        assertThat(instance.http().drain(Duration.ofMillis(300))).isFalse();

        release.countDown();
        assertThat(slow.join().status()).isEqualTo(200);
    }

    @Test
    void drainClosesIdleKeepAliveConnections() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), instance.port()), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("HEAD /socket-serve.js HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: keep-alive");

            assertThat(instance.http().drain(Duration.ofSeconds(5))).isTrue();

            assertThat(in.read()).as("the idle connection is closed").isEqualTo(-1);
        }
    }

    @Test
    void aWaitingLongPollIsAnsweredAtOnceWithTheFinalFrame() throws Exception {
        TestClient alice = new TestClient(base());
        alice.connect();
        long after = alice.poll().position();
        CompletableFuture<TestClient.PollResult> waiting =
                CompletableFuture.supplyAsync(() -> alice.poll(after, 20_000), BLOCKING);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());

        assertThat(instance.http().drain(Duration.ofSeconds(5))).isTrue(); // not after the poll's 20 s

        TestClient.PollResult answer = waiting.get(5, TimeUnit.SECONDS);
        assertThat(answer.http().status()).isEqualTo(200);
        assertThat(answer.events()).containsExactly("__reconnect");
        assertThat(answer.position())
                .as("its own position: nothing was delivered")
                .isEqualTo(after);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }
}
