package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.ServerHealth;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.testing.PausableLogBackend;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketServer#health()} on a real redis-server (its own, on a free port, per test): a log
 * subscription that stops delivering while Redis answers is a stalled reader; Redis being down is an
 * unreachable backend, never a stalled reader, even when it stays down for longer than the stall
 * timeout, and the instance is healthy again once Redis is back.
 */
class RedisServerHealthIT {

    private static final Duration STALL = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final RedisServerProcess redis = new RedisServerProcess();
    private @Nullable SocketServer server;

    @BeforeEach
    void startRedis() {
        redis.start();
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.close();
        }
        redis.stop();
    }

    private RedisBackend redisBackend() {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(redis.uri())
                .commandTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofSeconds(1))
                .build());
    }

    private SocketServer start(Backend backend) {
        server = SocketServer.create(ServerOptions.builder()
                .backend(backend)
                .readerStallTimeout(STALL)
                .backendTimeout(Duration.ofSeconds(2))
                .build());
        return server;
    }

    @Test
    void subscriptionThatDeliversNothingIsAStalledReaderAndRecovers() {
        PausableLogBackend log = new PausableLogBackend(redisBackend());
        SocketServer s = start(log.backend());
        await().atMost(WAIT).until(() -> s.health().healthy());

        log.pause();
        s.emit("news", Map.of("n", 1)).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> s.health().readerStalled());
        ServerHealth stalled = s.health();
        assertThat(stalled.backendReachable()).isTrue();
        assertThat(stalled.readerPosition()).isLessThan(stalled.logHead());
        assertThat(stalled.problem()).contains("log reader is stalled");

        log.resume();
        await().atMost(WAIT).until(() -> {
            ServerHealth h = s.health();
            return h.healthy() && h.readerPosition() == h.logHead();
        });
    }

    @Test
    void redisDownIsAnUnreachableBackendNotAStalledReader() {
        SocketServer s = start(redisBackend());
        s.emit("news", Map.of("n", 1)).toCompletableFuture().join();
        await().atMost(WAIT).until(() -> s.health().healthy());

        redis.stop();
        await().atMost(WAIT).until(() -> !s.health().backendReachable());
        // down for longer than the stall timeout: still unreachable, never "stalled"
        await().during(STALL.multipliedBy(2)).atMost(WAIT).until(() -> {
            ServerHealth h = s.health();
            return !h.backendReachable() && !h.readerStalled() && h.problem() != null;
        });

        redis.start();
        // from the moment Redis answers again, the reader is not reported stalled: the lost and
        // regained subscription count as backend trouble, and the probe finds it caught up
        await().atMost(WAIT).until(() -> {
            ServerHealth h = s.health();
            assertThat(h.readerStalled())
                    .as("stalled after Redis came back: %s", h)
                    .isFalse();
            return h.healthy();
        });
        await().during(STALL.multipliedBy(2)).atMost(WAIT).until(() -> s.health()
                .healthy());
    }
}
