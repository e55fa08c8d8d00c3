package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.socketserve.ServerHealth;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.testing.PausableLogBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketServer#health()} on the in-memory backend: the backend answers, and the log reader is
 * stalled only while it shows no progress — its subscription delivers nothing although the log
 * grows, or its dispatcher thread is stuck — for longer than {@code readerStallTimeout}.
 */
class ServerHealthTest {

    private static final Duration STALL = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<SocketServer> servers = new ArrayList<>();
    private final CountDownLatch unblock = new CountDownLatch(1);

    @AfterEach
    void close() {
        unblock.countDown();
        servers.forEach(SocketServer::close);
    }

    private SocketServer server(ServerOptions.Builder options) {
        SocketServer server =
                SocketServer.create(options.readerStallTimeout(STALL).build());
        servers.add(server);
        return server;
    }

    @Test
    void defaultStallTimeoutIsNamedAndMustBePositive() {
        assertThat(ServerOptions.defaults().readerStallTimeout()).isEqualTo(ServerOptions.DEFAULT_READER_STALL_TIMEOUT);
        assertThat(ServerOptions.DEFAULT_READER_STALL_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(ServerOptions.builder().readerStallTimeout(STALL).build().toBuilder()
                        .build()
                        .readerStallTimeout())
                .isEqualTo(STALL);
        assertThatThrownBy(() -> ServerOptions.builder().readerStallTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readerStallTimeout");
    }

    @Test
    void healthyServerHasItsReaderAtTheLogHead() {
        SocketServer server = server(ServerOptions.builder());
        server.emit("news", Map.of("n", 1));
        server.emit("news", Map.of("n", 2));

        await().atMost(WAIT).until(() -> {
            ServerHealth h = server.health();
            return h.logHead() >= 2 && h.readerPosition() == h.logHead();
        });
        ServerHealth health = server.health();
        assertThat(health.healthy()).isTrue();
        assertThat(health.backendReachable()).isTrue();
        assertThat(health.readerStalled()).isFalse();
        assertThat(health.problem()).isNull();
    }

    @Test
    void idleReaderIsNotStalled() {
        SocketServer server = server(ServerOptions.builder());

        // two stall timeouts with nothing in the log: the probe finds the reader caught up
        await().during(STALL.multipliedBy(2)).atMost(WAIT).until(() -> server.health()
                .healthy());
        assertThat(server.health().lastReaderProgress())
                .isAfter(java.time.Instant.now().minus(STALL));
    }

    @Test
    void readerWhoseSubscriptionDeliversNothingIsStalledWhileTheLogGrows() {
        PausableLogBackend log = new PausableLogBackend(new InMemoryBackend());
        SocketServer server = server(ServerOptions.builder().backend(log.backend()));
        await().atMost(WAIT).until(() -> server.health().healthy());

        log.pause();
        server.emit("news", Map.of("n", 1));

        await().atMost(WAIT).until(() -> server.health().readerStalled());
        ServerHealth stalled = server.health();
        assertThat(stalled.healthy()).isFalse();
        assertThat(stalled.backendReachable()).isTrue();
        assertThat(stalled.readerPosition()).isLessThan(stalled.logHead());
        assertThat(stalled.problem())
                .contains("log reader is stalled")
                .contains("readerStallTimeout " + STALL.toMillis() + " ms")
                .contains("log head at " + stalled.logHead());

        log.resume();
        await().atMost(WAIT).until(() -> {
            ServerHealth h = server.health();
            return h.healthy() && h.readerPosition() == h.logHead();
        });
        assertThat(server.health().problem()).isNull();
    }

    @Test
    void stuckDispatcherThreadIsStalledEvenWithAnIdleLog() {
        SocketServer server = server(ServerOptions.builder());
        DefaultSocketServer engine = (DefaultSocketServer) server;
        await().atMost(WAIT).until(() -> server.health().healthy());

        engine.dispatcher().execute(() -> {
            try {
                unblock.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        await().atMost(WAIT).until(() -> server.health().readerStalled());
        assertThat(server.health().backendReachable()).isTrue();

        unblock.countDown();
        await().atMost(WAIT).until(() -> server.health().healthy());
    }

    @Test
    void closedServerReportsItsBackendUnreachable() {
        SocketServer server = server(ServerOptions.builder());
        server.close();

        ServerHealth health = server.health();

        assertThat(health.healthy()).isFalse();
        assertThat(health.backendReachable()).isFalse();
        assertThat(health.readerStalled()).isFalse();
        assertThat(health.logHead()).isEqualTo(-1);
        assertThat(health.problem()).isEqualTo("the server is closed");
    }
}
