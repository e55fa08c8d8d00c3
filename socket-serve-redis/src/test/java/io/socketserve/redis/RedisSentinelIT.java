package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisSentinelProcesses;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RedisBackend} through Redis Sentinel ({@code redis-sentinel://…#mymaster}), against real
 * processes: a master, a replica and three Sentinels ({@link RedisSentinelProcesses}).
 *
 * <p>{@link RedisSentinelContractIT} runs the whole backend contract through the Sentinels. {@link
 * #theMasterKilledDuringAPacedAppendStream} kills the master with SIGKILL while entries are appended
 * every 5 ms and checks that the backend follows the promoted replica by itself, within a bound
 * derived from the Sentinel configuration, without losing or duplicating a completed append
 * silently.
 */
class RedisSentinelIT {

    private static final Logger log = LoggerFactory.getLogger(RedisSentinelIT.class);

    /** The Sentinels of the tests that leave them as they are; the failover tests start their own. */
    @RegisterExtension
    static final RedisSentinelProcesses sentinel = new RedisSentinelProcesses();

    private static final AtomicInteger TESTS = new AtomicInteger();

    /**
     * How long appends may fail after the master is killed: the Sentinels' {@code
     * down-after-milliseconds}, twice the failover timeout (a Sentinel whose election failed tries
     * again after that), and two seconds for the backend to reconnect.
     */
    static final Duration RECOVERY_BOUND = RedisSentinelProcesses.DOWN_AFTER
            .plus(RedisSentinelProcesses.FAILOVER_TIMEOUT.multipliedBy(2))
            .plusSeconds(2);

    @Test
    void theBackendTalksToTheMasterTheSentinelsName() throws Exception {
        String prefix = "where" + TESTS.incrementAndGet();
        try (RedisBackend backend = new RedisBackend(RedisBackendOptions.builder()
                .uri(sentinel.sentinelUri())
                .keyPrefix(prefix)
                .build())) {
            backend.start(1_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
            backend.kvPut("k", "v", 60_000).toCompletableFuture().get(5, TimeUnit.SECONDS);
            Object keys = RedisSentinelProcesses.command(sentinel.masterPort(), "KEYS", "{" + prefix + "}*");
            assertThat(keys)
                    .as("keys written through the Sentinels, on the master")
                    .isInstanceOf(List.class);
            assertThat((List<?>) keys).isNotEmpty();
            assertThat(RedisSentinelProcesses.clientsNamed(sentinel.replicaPort(), "socket-serve"))
                    .as("no connection to the replica")
                    .isZero();
        }
    }

    @Test
    void aSentinelUriNamingAnUnknownMasterFailsToStartWithAClearMessage() {
        try (RedisBackend backend = RedisBackend.create(sentinel.sentinelUri("nosuchmaster"))) {
            assertThat(backend.start(1_000).toCompletableFuture())
                    .failsWithin(Duration.ofSeconds(15))
                    .withThrowableThat()
                    .withCauseInstanceOf(BackendUnavailableException.class)
                    .withMessageContaining("redis-sentinel://127.0.0.1:")
                    .withMessageContaining("#nosuchmaster");
            assertThat(backend.toString()).contains("#nosuchmaster");
        }
    }

    @Test
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    void theMasterKilledDuringAPacedAppendStream() throws Exception {
        try (RedisSentinelProcesses own = new RedisSentinelProcesses().start();
                RedisBackend backend = new RedisBackend(RedisBackendOptions.builder()
                        .uri(own.sentinelUri("mymaster"))
                        .commandTimeout(Duration.ofSeconds(1))
                        .connectTimeout(Duration.ofSeconds(1))
                        .build())) {
            backend.start(100_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Recorder listener = new Recorder();
            backend.subscribe(0, listener);

            Appender appender = new Appender(backend);
            appender.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> appender.completed() >= 200);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.delivered() >= 100);

            int replica = own.replicaPort();
            int oldMaster = own.killMaster();
            long killedAt = System.nanoTime();
            appender.killedAt(killedAt);
            // a subscription made while the master is down (its first connects fail) catches up too
            Recorder late = new Recorder();
            backend.subscribe(0, late);
            int promoted = own.awaitFailover(RECOVERY_BOUND.plusSeconds(10));
            long failedOverAt = System.nanoTime();
            assertThat(promoted).isNotEqualTo(oldMaster).isEqualTo(replica);

            await().atMost(RECOVERY_BOUND.plusSeconds(10)).until(() -> appender.firstSuccessAfterKill() != 0);
            long recoveredAt = appender.firstSuccessAfterKill();
            long afterRecovery = appender.completed();
            await().atMost(Duration.ofSeconds(10)).until(() -> appender.completed() >= afterRecovery + 200);
            appender.stop();

            Map<String, Long> completed = appender.completedEntries();
            long lastCompleted =
                    completed.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.lastPosition() >= lastCompleted);
            long deliveredAt = listener.firstDeliveryOf(appender.firstEntryAfterKill());

            // volatile entries reach the subscription again too (its pub/sub connection followed)
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        backend.publishVolatile(bytes("v"))
                                .toCompletableFuture()
                                .get(2, TimeUnit.SECONDS);
                        return listener.volatiles.get() > 0 && late.volatiles.get() > 0;
                    });
            await().atMost(Duration.ofSeconds(10)).until(() -> late.lastPosition() >= lastCompleted);

            Duration failover = Duration.ofNanos(failedOverAt - killedAt);
            Duration recovery = Duration.ofNanos(recoveredAt - killedAt);
            Duration redelivery = Duration.ofNanos(deliveredAt - killedAt);
            log.info(
                    "Sentinel failover: master killed → Sentinels report the promoted replica in {} ms; first"
                            + " append completed after {} ms; delivered to the subscription after {} ms;"
                            + " {} appends failed meanwhile; gaps {}",
                    failover.toMillis(),
                    recovery.toMillis(),
                    redelivery.toMillis(),
                    appender.failed(),
                    listener.gaps);
            assertThat(recovery)
                    .as("appends work again within down-after + 2 × failover-timeout + 2 s")
                    .isLessThanOrEqualTo(RECOVERY_BOUND);

            // every completed append is delivered once, in order, or lies in a reported gap
            List<LogRecord> records = listener.records();
            assertThat(records).extracting(LogRecord::position).isSorted().doesNotHaveDuplicates();
            Map<String, Long> deliveredAtPosition = new HashMap<>();
            for (LogRecord r : records) {
                String text = new String(r.entry(), StandardCharsets.UTF_8);
                assertThat(deliveredAtPosition.put(text, r.position()))
                        .as("entry %s delivered twice", text)
                        .isNull();
            }
            for (Map.Entry<String, Long> e : completed.entrySet()) {
                Long delivered = deliveredAtPosition.get(e.getKey());
                if (delivered != null) {
                    assertThat(delivered)
                            .as("entry %s delivered at the position its append returned", e.getKey())
                            .isEqualTo(e.getValue());
                } else {
                    assertThat(listener.inGap(e.getValue()))
                            .as(
                                    "completed append %s at %d neither delivered nor inside a gap %s",
                                    e.getKey(), e.getValue(), listener.gaps)
                            .isTrue();
                }
            }
            assertThat(appender.positionsInCallOrder()).isSorted().doesNotHaveDuplicates();
        }
    }

    /** The fixture's {@code pauseReplica}: the replica stops replicating and answering until resumed. */
    @Test
    void aPausedReplicaFallsBehindAndCatchesUpWhenResumed() {
        int master = sentinel.masterPort();
        int replica = sentinel.replicaPort();
        sentinel.pauseReplica();
        try {
            assertThat(RedisSentinelProcesses.command(master, "SET", "{pause}:k", "while paused"))
                    .isEqualTo("OK");
            assertThat(RedisSentinelProcesses.command(replica, "PING"))
                    .as("a stopped replica does not answer")
                    .isNull();
        } finally {
            sentinel.resumeReplica();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "while paused".equals(RedisSentinelProcesses.command(replica, "GET", "{pause}:k")));
        RedisSentinelProcesses.command(master, "DEL", "{pause}:k");
    }

    /**
     * {@code SENTINEL FAILOVER} with the master alive: Sentinel promotes the replica but reconfigures
     * the old master as its replica only seconds later (and only then closes its clients). Every
     * connection of the backend (commands, the log subscription, the volatile channel) must move to
     * the promoted replica well before that, so that this instance does not go on writing to (or
     * reading from) the old master meanwhile.
     */
    @Test
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    void aForcedFailoverMovesEveryConnectionToThePromotedReplica() throws Exception {
        try (RedisSentinelProcesses own = new RedisSentinelProcesses().start();
                RedisBackend backend = RedisBackend.create(own.sentinelUri())) {
            backend.start(100_000).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Recorder listener = new Recorder();
            backend.subscribe(0, listener);
            long before = backend.append(bytes("before")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.lastPosition() >= before);
            int old = own.masterPort();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> RedisSentinelProcesses.clientsNamed(old, "socket-serve") == 3);

            own.forceFailover();
            int promoted = own.awaitFailover(Duration.ofSeconds(20));
            long switchedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> RedisSentinelProcesses.clientsNamed(old, "socket-serve") == 0
                            && RedisSentinelProcesses.clientsNamed(promoted, "socket-serve") == 3);
            Duration moved = Duration.ofNanos(System.nanoTime() - switchedAt);
            log.info(
                    "Forced failover: every connection on the promoted replica {} ms after the Sentinels"
                            + " reported it",
                    moved.toMillis());

            long after = await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> {
                                try {
                                    return backend.append(bytes("after"))
                                            .toCompletableFuture()
                                            .get(2, TimeUnit.SECONDS);
                                } catch (Exception e) {
                                    return 0L;
                                }
                            },
                            p -> p > 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.lastPosition() >= after);
            assertThat(moved).as("connections follow the Sentinels' switch").isLessThan(Duration.ofSeconds(3));
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends "e1", "e2"… every 5 ms from one thread, remembering which appends completed and where. */
    private static final class Appender {
        private final Backend backend;
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<String, Long> completed = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<Long> positions = new CopyOnWriteArrayList<>();
        private final AtomicInteger failed = new AtomicInteger();
        private volatile long killedAt;
        private volatile long firstSuccessAfterKill;
        private volatile String firstEntryAfterKill;

        Appender(Backend backend) {
            this.backend = backend;
            this.thread = new Thread(this::run, "sentinel-it-appender");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            int n = 0;
            while (!stop.get()) {
                String entry = "e" + (++n);
                long issuedAt = System.nanoTime();
                try {
                    long position =
                            backend.append(bytes(entry)).toCompletableFuture().get(5, TimeUnit.SECONDS);
                    completed.put(entry, position);
                    positions.add(position);
                    if (killedAt != 0 && issuedAt - killedAt > 0 && firstSuccessAfterKill == 0) {
                        firstEntryAfterKill = entry;
                        firstSuccessAfterKill = System.nanoTime();
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // the pace of the stream
            }
        }

        void killedAt(long nanos) {
            killedAt = nanos;
        }

        long firstSuccessAfterKill() {
            return firstSuccessAfterKill;
        }

        String firstEntryAfterKill() {
            return firstEntryAfterKill;
        }

        long completed() {
            return completed.size();
        }

        int failed() {
            return failed.get();
        }

        Map<String, Long> completedEntries() {
            return Map.copyOf(completed);
        }

        List<Long> positionsInCallOrder() {
            return List.copyOf(positions);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    /** Records what the subscription delivers, and when. */
    private static final class Recorder implements LogListener {
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Map<String, Long> deliveredAt = new java.util.concurrent.ConcurrentHashMap<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>() {
            @Override
            public String toString() {
                List<String> out = new ArrayList<>();
                for (long[] g : this) {
                    out.add("(" + g[0] + ", " + g[1] + ")");
                }
                return out.toString();
            }
        };
        final AtomicInteger volatiles = new AtomicInteger();
        private volatile long last;

        @Override
        public void onRecords(List<LogRecord> batch) {
            long now = System.nanoTime();
            for (LogRecord r : batch) {
                records.add(r);
                deliveredAt.putIfAbsent(new String(r.entry(), StandardCharsets.UTF_8), now);
                last = r.position();
            }
        }

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
        }

        @Override
        public void onVolatile(byte[] entry) {
            volatiles.incrementAndGet();
        }

        long delivered() {
            return records.size();
        }

        long lastPosition() {
            return last;
        }

        List<LogRecord> records() {
            return List.copyOf(records);
        }

        long firstDeliveryOf(String entry) {
            Long at = deliveredAt.get(entry);
            return at != null ? at : System.nanoTime();
        }

        boolean inGap(long position) {
            for (long[] g : gaps) {
                if (position > g[0] && position < g[1]) {
                    return true;
                }
            }
            return false;
        }
    }
}
