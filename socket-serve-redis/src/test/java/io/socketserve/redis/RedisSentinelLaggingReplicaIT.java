package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisSentinelProcesses;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A failover to a replica that lacks the newest entries: the replica is stopped (SIGSTOP) while 25
 * MB of entries are appended and delivered, the master is killed, the replica resumed and promoted.
 * Positions handed out afterwards must continue above every position the backend has seen, so that
 * the subscription delivers the new entries (a jump it reports as a gap), instead of reusing
 * positions the subscriber has already passed, which it would never deliver.
 *
 * <p>Before the log epochs (prelude.lua), a promoted replica whose counter was behind handed out
 * positions again from its counter (observed: acknowledged up to 410, replica at 71, next append at
 * 72, never delivered to the subscriber at 410).
 */
class RedisSentinelLaggingReplicaIT {

    /** EVAL script: the position of the newest entry of the stream KEYS[1] (0 without one). */
    static final String NEWEST = "local e = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1) "
            + "if e[1] then return tonumber(string.match(e[1][1], '%-(%d+)$')) end return 0";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void positionsAfterAFailoverToALaggingReplicaStayAboveEverythingDelivered() throws Exception {
        try (RedisSentinelProcesses own = new RedisSentinelProcesses().start();
                RedisBackend backend = RedisBackend.create(own.sentinelUri())) {
            backend.start(100_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<LogRecord> records = new CopyOnWriteArrayList<>();
            List<long[]> gaps = new CopyOnWriteArrayList<>();
            backend.subscribe(0, new LogListener() {
                @Override
                public void onRecords(List<LogRecord> batch) {
                    records.addAll(batch);
                }

                @Override
                public void onGap(long afterPosition, long oldestPosition) {
                    gaps.add(new long[] {afterPosition, oldestPosition});
                }
            });

            own.pauseReplica();
            List<Long> acknowledged = new ArrayList<>();
            byte[] large = new byte[64 * 1024];
            try {
                for (int i = 0; i < 400; i++) {
                    acknowledged.add(backend.append(large).toCompletableFuture().get(5, TimeUnit.SECONDS));
                }
                long last = acknowledged.get(acknowledged.size() - 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> lastPosition(records) >= last);
                own.killMaster();
            } finally {
                own.resumeReplica();
            }
            long highest = acknowledged.get(acknowledged.size() - 1);
            int promoted = own.awaitFailover(Duration.ofSeconds(30));
            Object counter = RedisSentinelProcesses.command(promoted, "EVAL", NEWEST, "1", "{ss}:log");
            assertThat(Long.parseLong(String.valueOf(counter)))
                    .as("the setup works: the promoted replica lacks the newest entries")
                    .isLessThan(highest);

            long after = await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(
                            () -> backend.append(bytes("after"))
                                    .toCompletableFuture()
                                    .get(2, TimeUnit.SECONDS),
                            p -> p > 0);
            assertThat(after).as("no position is handed out twice").isGreaterThan(highest);
            await().atMost(Duration.ofSeconds(10)).until(() -> records.stream()
                    .anyMatch(r -> "after".equals(new String(r.entry(), StandardCharsets.UTF_8))));
            assertThat(records).extracting(LogRecord::position).isSorted().doesNotHaveDuplicates();
            assertThat(gaps)
                    .as("the jump is reported as a gap after the last entry delivered")
                    .anySatisfy(g -> assertThat(g[0]).isEqualTo(highest));
        }
    }

    private static long lastPosition(List<LogRecord> records) {
        return records.isEmpty() ? 0 : records.get(records.size() - 1).position();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
