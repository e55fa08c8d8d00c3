package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.RawHttp;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.testing.PausableLogBackend;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health/ready} of the embedded server (issue 18): down within the stall timeout when the
 * log reader is wedged while appends still succeed, up again when it catches up; down while the
 * server drains for a graceful shutdown. (Down while Redis is stopped: the demo's {@code
 * HealthEndpointsIT}.)
 */
class HealthReadyIT {

    private static final Duration STALL = Duration.ofSeconds(1);

    private SocketServer server;
    private EmbeddedServer http;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (http != null) {
            http.halt();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerOptions options) {
        server = SocketServer.create(options);
        http = EmbeddedServer.builder(server).host("127.0.0.1").port(0).start();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", http.port());
    }

    private byte[] get(String target) {
        return RawHttp.request("GET", target, "127.0.0.1:" + http.port(), Map.of(), null);
    }

    private HttpResult ready() throws IOException {
        return RawHttp.exchange(address(), get("/health/ready"));
    }

    @Test
    void readyGoesDownWithinTheStallTimeoutWhenTheReaderIsWedgedAndUpAfterRecovery() throws Exception {
        PausableLogBackend log = new PausableLogBackend(new InMemoryBackend());
        start(ServerOptions.builder()
                .backend(log.backend())
                .readerStallTimeout(STALL)
                .build());
        await().atMost(Duration.ofSeconds(5)).until(() -> ready().status() == 200);

        log.pause();
        server.emit("news", Map.of("n", 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        long wedged = System.nanoTime();
        // down once the stall timeout has passed, at the latest a probe period (a quarter of it) later
        await().atMost(STALL.multipliedBy(2))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> ready().status() == 503);
        assertThat(System.nanoTime() - wedged).isGreaterThanOrEqualTo(STALL.toNanos() / 2);
        HttpResult down = ready();
        JsonNode body = down.json();
        assertThat(body.path("status").asText()).isEqualTo("DOWN");
        assertThat(body.path("readerStalled").asBoolean()).isTrue();
        assertThat(body.path("backendReachable").asBoolean()).isTrue();
        assertThat(body.path("problem").asText()).isEqualTo("the log reader has stopped making progress");
        assertThat(down.header("Retry-After")).isEqualTo("1");
        // appends still succeed while the reader is wedged
        server.emit("news", Map.of("n", 2)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(body.path("readerPosition").asLong())
                .isLessThan(body.path("logHead").asLong());

        log.resume();
        await().atMost(Duration.ofSeconds(5)).until(() -> ready().status() == 200);
        JsonNode up = ready().json();
        assertThat(up.path("status").asText()).isEqualTo("UP");
        assertThat(up.path("readerPosition").asLong())
                .isEqualTo(up.path("logHead").asLong());
    }

    @Test
    void readyIsDownWhileTheServerDrains() throws Exception {
        start(ServerOptions.defaults());
        CountDownLatch entered = new CountDownLatch(1);
        server.on("slow", (socket, data, ack) -> {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(ready().status()).isEqualTo(200);
        TestClient client = new TestClient(URI.create("http://127.0.0.1:" + http.port() + "/socket"));
        client.connect();
        byte[] slow = RawHttp.request(
                "POST",
                "/socket/message",
                "127.0.0.1:" + http.port(),
                Map.of("Content-Type", "application/json"),
                ("{\"sessionId\":\"" + client.credential() + "\",\"event\":\"slow\",\"data\":1}")
                        .getBytes(StandardCharsets.UTF_8));

        try (Socket socket = new Socket()) {
            socket.connect(address(), 5_000);
            socket.setSoTimeout(10_000);
            // a request in progress keeps the connection (and the drain) open; the probe is pipelined
            // behind it, so it is answered while the server drains
            socket.getOutputStream().write(slow);
            socket.getOutputStream().write(get("/health/ready"));
            socket.getOutputStream().flush();
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Boolean> drained =
                    CompletableFuture.supplyAsync(() -> http.drain(Duration.ofSeconds(10)));
            // the listener closes first: a fresh probe connection is refused
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (Socket probe = new Socket()) {
                    probe.connect(address(), 1_000);
                    return false;
                } catch (IOException refused) {
                    return true;
                }
            });
            release.countDown();

            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertThat(RawHttp.readResponse(in).status()).isEqualTo(200);
            HttpResult probe = RawHttp.readResponse(in);
            assertThat(probe.status()).isEqualTo(503);
            JsonNode body = probe.json();
            assertThat(body.path("status").asText()).isEqualTo("DOWN");
            assertThat(body.path("draining").asBoolean()).isTrue();
            assertThat(body.path("backendReachable").asBoolean()).isTrue();
            assertThat(body.path("problem").asText()).isEqualTo("the server is shutting down");
            assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            client.close();
        }
    }
}
