package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.redis.testing.TcpForwarder;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A command that Redis ran but whose reply was lost with its connection is not run a second time:
 * the caller is told Redis is unavailable (the outcome is unknown; an event with a {@code seq} is
 * retried through the event ledger, which appends each message at most once), and the log holds the
 * entry once. Lettuce re-writes such commands after reconnecting unless told to reject commands
 * while disconnected, which {@code RedisCalls} does ({@code DisconnectedBehavior.REJECT_COMMANDS}):
 * with {@code ACCEPT_COMMANDS} both tests fail (the append is in the log twice; the session
 * creation fails as a duplicate of itself).
 */
class RedisAtMostOnceIT {

    private RedisServerProcess redis;
    private TcpForwarder vip;
    private RedisBackend backend;

    @BeforeEach
    void start() throws Exception {
        redis = new RedisServerProcess().start();
        vip = new TcpForwarder(redis.port());
        backend = new RedisBackend(RedisBackendOptions.builder()
                .uri(vip.uri())
                .keyPrefix("amo")
                .commandTimeout(Duration.ofSeconds(5))
                .build());
        backend.start(10_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        backend.close();
        vip.close();
        redis.close();
    }

    @Test
    void anAppendWhoseReplyWasLostIsNotAppendedAgainAfterTheReconnect() throws Exception {
        append("before").get(5, TimeUnit.SECONDS);

        vip.swallowReplies(true);
        CompletableFuture<Long> lost = append("lost");
        // Redis ran it: the entry is in the stream, only the reply is gone
        await().atMost(5, TimeUnit.SECONDS).until(() -> ":2".equals(redis.tryCommand("XLEN {amo}:log")));
        vip.swallowReplies(false);
        vip.cutAll();

        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(BackendUnavailableException.class);
        long after = await().atMost(10, TimeUnit.SECONDS)
                .ignoreExceptions()
                .until(() -> append("after").get(2, TimeUnit.SECONDS), p -> p > 0);

        assertThat(after).isEqualTo(3);
        assertThat(redis.tryCommand("XLEN {amo}:log")).isEqualTo(":3");
    }

    @Test
    void aSessionCreatedWhoseReplyWasLostIsNotCreatedAgain() throws Exception {
        vip.swallowReplies(true);
        CompletableFuture<Long> created = backend.createSession(
                        new SessionRecord("s1", "hash", "/", System.currentTimeMillis(), 0, 0, Map.of()),
                        System.currentTimeMillis() + 60_000)
                .toCompletableFuture();
        await().atMost(5, TimeUnit.SECONDS).until(() -> ":1".equals(redis.tryCommand("EXISTS {amo}:s:s1")));
        vip.swallowReplies(false);
        vip.cutAll();

        // Without the fix, the creation is written again after the reconnect and fails as a duplicate
        // of itself ("duplicate session id"), which the engine would take for a clash of ids.
        assertThatThrownBy(() -> created.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(redis.tryCommand("EXISTS {amo}:s:s1")).isEqualTo(":1");
    }

    private CompletableFuture<Long> append(String text) {
        return backend.append(text.getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
    }
}
