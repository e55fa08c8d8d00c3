package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.socketserve.redis.testing.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The partition count is fixed for the data under a key prefix (issue 15): the first backend records
 * it beside the data ({@code {prefix}:meta}), and a backend with another count refuses to start on
 * that prefix, naming both counts, instead of reading one layout as another.
 */
class RedisPartitionCountIT {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final String prefix = "pcount" + PREFIXES.incrementAndGet();

    private RedisClient client;
    private StatefulRedisConnection<String, String> probe;

    @AfterEach
    void flush() {
        redis.tryCommand("FLUSHALL");
        if (probe != null) {
            probe.close();
            client.shutdown();
        }
    }

    /** A plain Lettuce connection to look at the data with. */
    private StatefulRedisConnection<String, String> probe() {
        if (probe == null) {
            client = RedisClient.create(redis.uri());
            probe = client.connect();
        }
        return probe;
    }

    private RedisBackend backend(String keyPrefix, int partitions) {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(redis.uri())
                .keyPrefix(keyPrefix)
                .partitions(partitions)
                .build());
    }

    /** Starts a backend, appends one entry to its last partition and closes it. */
    private void writeWith(int partitions) {
        RedisBackend b = backend(prefix, partitions);
        try {
            join(b.start(1000));
            assertThat(join(b.append(partitions - 1, "x".getBytes(StandardCharsets.UTF_8))))
                    .isPositive();
        } finally {
            b.close();
        }
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void aBackendWithAnotherPartitionCountRefusesToStartNamingBothCounts() {
        writeWith(4);
        RedisBackend other = backend(prefix, 6);
        try {
            assertThatThrownBy(() -> join(other.start(1000)))
                    .isInstanceOf(CompletionException.class)
                    .rootCause()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(prefix)
                    .hasMessageContaining("4")
                    .hasMessageContaining("6");
        } finally {
            other.close();
        }
        // the recorded count is untouched
        assertThat(probe().sync().hget("{" + prefix + "}:meta", "partitions")).isEqualTo("4");
    }

    @Test
    void aBackendWithTheSameCountStartsAndReadsWhatWasWritten() {
        writeWith(4);
        RedisBackend again = backend(prefix, 4);
        try {
            join(again.start(1000));
            assertThat(again.partitions()).isEqualTo(4);
            assertThat(join(again.head(3))).isEqualTo(1L);
            assertThat(join(again.read(3, 0, 10)).records()).hasSize(1);
        } finally {
            again.close();
        }
    }

    @Test
    void aPartitionedBackendRefusesDataOfASinglePartitionLog() {
        writeWith(1);
        RedisBackend partitioned = backend(prefix, 6);
        try {
            assertThatThrownBy(() -> join(partitioned.start(1000)))
                    .rootCause()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1")
                    .hasMessageContaining("6");
        } finally {
            partitioned.close();
        }
    }

    @Test
    void anotherPrefixMayUseAnotherCount() {
        writeWith(4);
        RedisBackend elsewhere = backend(prefix + "-other", 6);
        try {
            join(elsewhere.start(1000));
            assertThat(elsewhere.partitions()).isEqualTo(6);
        } finally {
            elsewhere.close();
        }
    }

    @Test
    void aRefusedBackendLeavesNoConnectionOpen() {
        writeWith(4);
        long before = clients();
        RedisBackend other = backend(prefix, 6);
        try {
            assertThatThrownBy(() -> join(other.start(1000))).isInstanceOf(CompletionException.class);
        } finally {
            other.close();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> clients() <= before);
    }

    /** {@code connected_clients} of the server, the probe's own connection included. */
    private long clients() {
        String info = probe().sync().info("clients");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(
                        line.substring("connected_clients:".length()).trim());
            }
        }
        throw new IllegalStateException("no connected_clients in " + info);
    }
}
