package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.LogRetention;
import io.socketserve.spi.LogSlice;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, finding 1, on a real redis-server: one client appending 1 MB entries at full speed no
 * longer grows the stream past the byte bound (it used to keep {@code MAXLEN ~ 100,000} of them).
 */
class RedisLogBoundsIT {

    private static final int MB = 1_000_000;
    private static final long MAX_BYTES = 8L * 1024 * 1024;

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static RedisClient client;
    private static StatefulRedisConnection<byte[], byte[]> connection;
    private static RedisCommands<byte[], byte[]> inspect;

    private RedisBackend backend;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(redis.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        inspect = connection.sync();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @BeforeEach
    void start() {
        inspect.flushall();
        backend = new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix("b").build());
        get(backend.start(new LogRetention(100_000, MAX_BYTES, Duration.ofMinutes(2))));
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void twoHundredMegabyteEntriesLeaveTheStreamWithinItsByteBound() {
        for (int i = 0; i < 50; i++) {
            get(backend.append(("small " + i).getBytes(StandardCharsets.UTF_8)));
        }
        long last = 0;
        long peakMemory = 0;
        for (int i = 0; i < 200; i++) {
            byte[] entry = new byte[MB];
            entry[0] = (byte) i;
            last = get(backend.append(entry));
            if (i % 20 == 19) {
                peakMemory = Math.max(peakMemory, inspect.memoryUsage(key("log")));
                assertThat(counter()).isLessThanOrEqualTo(MAX_BYTES);
            }
        }
        List<StreamMessage<byte[], byte[]>> kept = inspect.xrange(key("log"), io.lettuce.core.Range.create("-", "+"));
        long streamBytes = kept.stream()
                .mapToLong(m -> m.getBody().values().iterator().next().length)
                .sum();
        // the counter is exactly the stream's entry bytes, and the side list has one record per entry
        assertThat(counter()).isEqualTo(streamBytes).isLessThanOrEqualTo(MAX_BYTES);
        assertThat(inspect.llen(key("logsz"))).isEqualTo(kept.size());
        assertThat(kept).hasSize((int) (MAX_BYTES / MB)); // the newest 8 fit, the small ones went first
        // what Redis itself reports for the stream: the bound plus its per-entry overhead
        long memory = inspect.memoryUsage(key("log"));
        assertThat(Math.max(memory, peakMemory)).isLessThan(MAX_BYTES + 1024 * 1024);
        LogSlice slice = get(backend.read(0, 1_000));
        assertThat(slice.head()).isEqualTo(last);
        assertThat(slice.oldestPosition()).isEqualTo(last - kept.size() + 1);
        System.out.printf(
                "RedisLogBoundsIT: after 200 x 1 MB: %d entries, logbytes %d, MEMORY USAGE %d (peak %d)%n",
                kept.size(), counter(), memory, peakMemory);
    }

    @Test
    void entriesOlderThanTheAgeBoundAreTrimmedWithinTheNextEightAppends() {
        backend.close();
        backend = new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix("b").build());
        get(backend.start(new LogRetention(100_000, MAX_BYTES, Duration.ofMillis(1_000))));
        long old = get(backend.append("old".getBytes(StandardCharsets.UTF_8)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            get(backend.append("tick".getBytes(StandardCharsets.UTF_8)));
            assertThat(get(backend.read(0, 10)).oldestPosition()).isGreaterThan(old);
        });
        assertThat(inspect.xlen(key("log"))).isEqualTo(inspect.llen(key("logsz")));
    }

    @Test
    void countTrimmingIsAmortizedAndKeepsAtLeastMaxEntries() {
        backend.close();
        backend = new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix("b").build());
        get(backend.start(new LogRetention(1_000, MAX_BYTES, Duration.ofMinutes(2))));
        for (int i = 0; i < 5_000; i++) {
            get(backend.append(("m" + i).getBytes(StandardCharsets.UTF_8)));
            long len = inspect.xlen(key("log"));
            if (i >= 1_000) {
                assertThat(len).isBetween(1_000L, 1_100L);
            }
        }
        assertThat(inspect.xlen(key("log"))).isEqualTo(inspect.llen(key("logsz")));
    }

    /**
     * A plain append is 6 commands (issue 15: 9 before); trimming is constant work per append: at most
     * 8 rounds of 4 commands, whatever is trimmed.
     */
    @Test
    void aTrimmingAppendCostsABoundedNumberOfCommands() {
        for (int i = 0; i < 3_000; i++) {
            get(backend.append(("small " + i).getBytes(StandardCharsets.UTF_8)));
        }
        // 8 appends: one of them (every 8th position) also checks the age of the oldest entry
        long eight = commandsFor(() -> {
            for (int i = 0; i < 8; i++) {
                get(backend.append("x".getBytes(StandardCharsets.UTF_8)));
            }
        });
        long plain = commandsFor(() -> get(backend.append("x".getBytes(StandardCharsets.UTF_8))));
        // 8 MiB - 1 byte pushes out every small entry, 3,000 of them: more than one append may trim
        long trimming = commandsFor(() -> get(backend.append(new byte[(int) MAX_BYTES - 1])));
        long next = commandsFor(() -> get(backend.append("y".getBytes(StandardCharsets.UTF_8))));
        System.out.printf(
                "RedisLogBoundsIT: commands per append: plain %d, trimming %d, the next %d%n", plain, trimming, next);
        // EVALSHA, GET lineage, XADD, TIME, RPUSH, INCRBY (and INFO, which this count leaves out)
        assertThat(eight).isEqualTo(8 * 6 + 1); // + one LINDEX
        assertThat(plain).isEqualTo(6);
        assertThat(trimming).isEqualTo(plain + 8 * 4); // LRANGE, XTRIM, LTRIM, DECRBY per round, 8 rounds
        assertThat(next).isLessThanOrEqualTo(plain + 8 * 4);
        // appends keep trimming until the bound holds again
        for (int i = 0; i < 5 && counter() > MAX_BYTES; i++) {
            get(backend.append("z".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(counter()).isLessThanOrEqualTo(MAX_BYTES);
        assertThat(inspect.xlen(key("log"))).isEqualTo(inspect.llen(key("logsz")));
    }

    /** Calls counted by INFO commandstats (script-internal commands included, INFO itself not). */
    private static long commandsFor(Runnable action) {
        inspect.configResetstat();
        action.run();
        long total = 0;
        for (String line : inspect.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info") && !line.startsWith("cmdstat_config")) {
                int calls = line.indexOf("calls=");
                total += Long.parseLong(line.substring(calls + 6, line.indexOf(',', calls)));
            }
        }
        return total;
    }

    private static byte[] key(String name) {
        return ("{b}:" + name).getBytes(StandardCharsets.UTF_8);
    }

    private static long counter() {
        return Long.parseLong(new String(inspect.get(key("logbytes")), StandardCharsets.US_ASCII));
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
