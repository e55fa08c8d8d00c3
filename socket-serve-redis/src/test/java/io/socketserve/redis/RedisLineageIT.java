package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.redis.testing.TcpForwarder;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the log does when its store lost entries it had acknowledged: a replica promoted before it
 * received the newest entries, a store behind what an instance saw. Positions continue in a new
 * epoch, above everything handed out, so readers see a jump (reported as a gap, and by the engine as
 * {@code __missed}) and no position is ever reused for another entry.
 */
class RedisLineageIT {

    private static final long EPOCH_SPAN = 1_000_000_000L;

    private RedisServerProcess master;
    private RedisServerProcess replica;
    private TcpForwarder vip;
    private RedisBackend backend;

    @BeforeEach
    void start() {
        master = new RedisServerProcess().start();
        replica = new RedisServerProcess().start();
        vip = new TcpForwarder(master.port());
        backend = new RedisBackend(RedisBackendOptions.builder()
                .uri(vip.uri())
                .keyPrefix("lineage")
                .commandTimeout(Duration.ofSeconds(1))
                .build());
        get(backend.start(10_000));
    }

    @AfterEach
    void stop() {
        backend.close();
        vip.close();
        master.close();
        replica.close();
    }

    @Test
    void aPromotedReplicaThatLacksTheNewestEntriesContinuesInANewEpoch() {
        Recorder seen = new Recorder();
        LogSubscription sub = backend.subscribe(0, seen);
        try {
            for (int i = 1; i <= 10; i++) {
                assertThat(append("m" + i)).isEqualTo(i);
            }
            assertThat(replica.tryCommand("REPLICAOF 127.0.0.1 " + master.port()))
                    .isEqualTo("+OK");
            await().atMost(10, TimeUnit.SECONDS).until(() -> ":10".equals(replica.tryCommand("XLEN {lineage}:log")));
            // The replica is promoted while the master still takes two appends it never receives.
            assertThat(replica.tryCommand("REPLICAOF NO ONE")).isEqualTo("+OK");
            assertThat(append("m11")).isEqualTo(11);
            assertThat(append("m12")).isEqualTo(12);
            await().atMost(5, TimeUnit.SECONDS).until(() -> seen.last() == 12);

            master.kill();
            vip.retarget(replica.port());

            // An instance that never saw 11 and 12 appends first: the lineage tells it, not its floor.
            try (RedisBackend late = new RedisBackend(RedisBackendOptions.builder()
                    .uri(vip.uri())
                    .keyPrefix("lineage")
                    .build())) {
                get(late.start(10_000));
                long next = get(late.append("after".getBytes(StandardCharsets.UTF_8)));
                assertThat(next).as("the first position of the next epoch").isEqualTo(EPOCH_SPAN);
            }
            long second = await().atMost(10, TimeUnit.SECONDS)
                    .ignoreExceptions()
                    .until(() -> append("after2"), p -> p != null);
            assertThat(second).isEqualTo(EPOCH_SPAN + 1);

            await().atMost(10, TimeUnit.SECONDS).until(() -> seen.last() == EPOCH_SPAN + 1);
            assertThat(seen.positions())
                    .as("every entry once, in order")
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, EPOCH_SPAN, EPOCH_SPAN + 1);
            assertThat(seen.gaps).containsExactly("12.." + EPOCH_SPAN);

            // A reader resuming before the loss finds the hole: the store has 1..10, then the new epoch.
            LogSlice slice = get(backend.read(9, 100));
            assertThat(slice.records().stream().map(LogRecord::position))
                    .containsExactly(10L, EPOCH_SPAN, EPOCH_SPAN + 1);
        } finally {
            sub.close();
        }
    }

    @Test
    void aStoreBehindWhatThisInstanceSawContinuesInANewEpoch() {
        for (int i = 1; i <= 5; i++) {
            append("m" + i);
        }
        // As a restore from an older snapshot leaves it: the log is behind what was handed out.
        assertThat(master.tryCommand("DEL {lineage}:log")).isEqualTo(":1");
        assertThat(master.tryCommand("XADD {lineage}:log 0-3 e restored")).isEqualTo("$3");
        assertThat(append("after")).isEqualTo(EPOCH_SPAN);
    }

    @Test
    void aStoreWithoutALineageKeepsItsPositions() {
        append("m1");
        append("m2");
        // An instance of an earlier version wrote the log, or the key was lost on its own.
        assertThat(master.tryCommand("DEL {lineage}:lineage")).isEqualTo(":1");
        assertThat(append("m3")).isEqualTo(3);
        assertThat(master.tryCommand("EXISTS {lineage}:lineage")).isEqualTo(":1");
    }

    @Test
    void aStoreRestartedEmptyContinuesInANewEpoch() {
        append("m1");
        append("m2");
        master.restart();
        long next =
                await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() -> append("after"), p -> p != null);
        assertThat(next).isEqualTo(EPOCH_SPAN);
    }

    private Long append(String text) {
        return get(backend.append(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Recorder implements LogListener {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        final List<String> gaps = new CopyOnWriteArrayList<>();

        @Override
        public void onRecords(List<LogRecord> batch) {
            records.addAll(batch);
        }

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(afterPosition + ".." + oldestPosition);
        }

        long last() {
            return records.isEmpty() ? 0 : records.get(records.size() - 1).position();
        }

        List<Long> positions() {
            return records.stream().map(LogRecord::position).toList();
        }
    }
}
