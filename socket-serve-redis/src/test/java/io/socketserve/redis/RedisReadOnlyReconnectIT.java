package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisSentinelProcesses;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.BackendUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A master demoted to a replica behind the backend's back ({@code REPLICAOF}, which leaves its
 * clients connected): writes answered {@code READONLY} make the backend drop the connection and
 * reconnect (with a Sentinel URI, the reconnect asks the Sentinels where the master is now), instead
 * of failing every write on the same connection for ever.
 */
class RedisReadOnlyReconnectIT {

    @RegisterExtension
    static final RedisServerProcess demoted = new RedisServerProcess();

    @RegisterExtension
    static final RedisServerProcess other = new RedisServerProcess();

    @Test
    void aWriteAnsweredReadOnlyReconnects() throws Exception {
        try (RedisBackend backend = RedisBackend.create(demoted.uri())) {
            backend.start(1_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
            append(backend, "before");
            long connections = connectionsReceived();

            assertThat(demoted.tryCommand("REPLICAOF 127.0.0.1 " + other.port()))
                    .isEqualTo("+OK");
            try {
                assertThat(backend.append(bytes("while a replica")).toCompletableFuture())
                        .failsWithin(Duration.ofSeconds(5))
                        .withThrowableThat()
                        .withCauseInstanceOf(BackendUnavailableException.class)
                        .withMessageContaining("READONLY");
                await().atMost(Duration.ofSeconds(5))
                        .alias("the backend reconnected after READONLY")
                        .until(() -> connectionsReceived() > connections);
            } finally {
                demoted.tryCommand("REPLICAOF NO ONE");
            }
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> append(backend, "after") > 0);
        }
    }

    private static long append(RedisBackend backend, String text)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return backend.append(bytes(text)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static long connectionsReceived() {
        Object info = RedisSentinelProcesses.command(demoted.port(), "INFO", "stats");
        for (String line : String.valueOf(info).split("\r?\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no total_connections_received in " + info);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
