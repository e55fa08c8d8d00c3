package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisBackend} on a real Redis Cluster (3 masters + 3 replicas, {@link RedisClusterProcesses}):
 * the backend contract, then a live migration of the log's slot under traffic, then a master killed
 * under traffic. The last one leaves the cluster with one master fewer, so the order is fixed.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class RedisClusterModeIT {

    static final int NODE_TIMEOUT_MS = 2000;

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses(3, NODE_TIMEOUT_MS);

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    static RedisBackend backend(String prefix) {
        return new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris().subList(0, 2))
                .keyPrefix(prefix)
                .build());
    }

    /** Appends every ~5 ms on one backend, subscribed on another, and records what happens. */
    static final class Traffic implements LogListener, AutoCloseable {
        final RedisBackend writer;
        final RedisBackend reader;
        final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        /** position → entry, for every completed append. */
        final Map<Long, String> appended = new ConcurrentHashMap<>();
        /** entry → when its append was issued. */
        final Map<String, Long> issuedAt = new ConcurrentHashMap<>();
        /** entry → when its append completed. */
        final Map<String, Long> completedAt = new ConcurrentHashMap<>();

        final AtomicInteger failed = new AtomicInteger();
        final List<LogRecord> delivered = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
        final List<long[]> gaps = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong counter = new AtomicLong();
        LogSubscription subscription;

        Traffic(String prefix) {
            writer = backend(prefix);
            reader = backend(prefix);
            writer.start(100_000).toCompletableFuture().join();
            reader.start(100_000).toCompletableFuture().join();
            subscription = reader.subscribe(0, this);
        }

        void startAppending() {
            pacer.scheduleAtFixedRate(this::appendOne, 0, 5, TimeUnit.MILLISECONDS);
        }

        private void appendOne() {
            String entry = "e" + counter.incrementAndGet();
            issuedAt.put(entry, System.nanoTime());
            writer.append(entry.getBytes(StandardCharsets.UTF_8)).whenComplete((position, error) -> {
                if (error == null) {
                    appended.put(position, entry);
                    completedAt.put(entry, System.nanoTime());
                } else {
                    failed.incrementAndGet();
                }
            });
        }

        void stopAppending() throws InterruptedException {
            pacer.shutdown();
            assertThat(pacer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void onRecords(List<LogRecord> records) {
            long now = System.nanoTime();
            for (LogRecord r : records) {
                delivered.add(r);
                deliveredAt.putIfAbsent(new String(r.entry(), StandardCharsets.UTF_8), now);
            }
        }

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
        }

        /** Delivered positions strictly increase, and no entry is delivered twice. */
        void assertInOrderWithoutDuplicates() {
            List<LogRecord> d = new ArrayList<>(delivered);
            Map<String, Long> seen = new HashMap<>();
            long last = 0;
            for (LogRecord r : d) {
                assertThat(r.position()).as("positions delivered in order").isGreaterThan(last);
                last = r.position();
                String entry = new String(r.entry(), StandardCharsets.UTF_8);
                assertThat(seen.put(entry, r.position()))
                        .as("entry %s delivered once", entry)
                        .isNull();
            }
        }

        Map<Long, String> deliveredByPosition() {
            Map<Long, String> out = new HashMap<>();
            for (LogRecord r : new ArrayList<>(delivered)) {
                out.put(r.position(), new String(r.entry(), StandardCharsets.UTF_8));
            }
            return out;
        }

        boolean inAGap(long position) {
            synchronized (gaps) {
                return gaps.stream().anyMatch(g -> position > g[0] && position < g[1]);
            }
        }

        @Override
        public void close() {
            pacer.shutdownNow();
            subscription.close();
            writer.close();
            reader.close();
        }
    }

    @Nested
    @Order(2)
    class Resharding {

        @Test
        @Timeout(40)
        void everyAppendIsDeliveredOnceInOrderWhileTheLogSlotMigrates() throws Exception {
            String prefix = "reshard" + PREFIXES.incrementAndGet();
            int slot = cluster.slot("{" + prefix + "}:log");
            int from = cluster.masterOfSlot(slot);
            int to = cluster.masterPorts().stream()
                    .filter(p -> p != from)
                    .findFirst()
                    .orElseThrow();
            try (Traffic t = new Traffic(prefix)) {
                t.startAppending();
                await().atMost(Duration.ofSeconds(10)).until(() -> t.delivered.size() >= 200);
                long before = System.nanoTime();
                cluster.reshardSlot(slot, to);
                long migrated = System.nanoTime();
                assertThat(cluster.masterOfSlot(slot)).isEqualTo(to);
                // traffic goes on after the move: wait for deliveries of appends issued after it
                int deliveredAtMove = t.delivered.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> t.delivered.size() >= deliveredAtMove + 200);
                t.stopAppending();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> t.deliveredByPosition().keySet().containsAll(t.appended.keySet()));

                t.assertInOrderWithoutDuplicates();
                Map<Long, String> delivered = t.deliveredByPosition();
                t.appended.forEach((p, e) ->
                        assertThat(delivered.get(p)).as("append at %d", p).isEqualTo(e));
                assertThat(t.gaps).as("gaps").isEmpty();
                // contiguous: no position skipped
                List<Long> positions = new ArrayList<>(delivered.keySet());
                Collections.sort(positions);
                assertThat(positions.get(positions.size() - 1) - positions.get(0) + 1)
                        .isEqualTo(positions.size());
                long maxPause = maxDeliveryPause(t, before);
                System.out.printf(
                        "reshard: slot %d moved %d -> %d in %d ms; %d appends, %d failed; longest pause between"
                                + " deliveries around the move %d ms%n",
                        slot,
                        from,
                        to,
                        TimeUnit.NANOSECONDS.toMillis(migrated - before),
                        t.appended.size(),
                        t.failed.get(),
                        maxPause);
                assertThat(t.failed.get())
                        .as("appends failed during the migration")
                        .isZero();
            }
        }
    }

    @Nested
    @Order(2)
    class Scripts {

        /** A master whose script cache was emptied (as a restarted node's is) answers NOSCRIPT: reloaded, retried. */
        @Test
        @Timeout(20)
        void appendsWorkAfterTheSlotsMasterForgotTheScripts() {
            String prefix = "noscript" + PREFIXES.incrementAndGet();
            int master = cluster.masterFor("{" + prefix + "}:seq");
            RedisBackend b = backend(prefix);
            try {
                b.start(1000).toCompletableFuture().join();
                assertThat(b.append(new byte[] {1}).toCompletableFuture().join())
                        .isEqualTo(1L);
                assertThat(cluster.command(master, "SCRIPT", "FLUSH")).isEqualTo("OK");
                assertThat(b.append(new byte[] {2}).toCompletableFuture().join())
                        .isEqualTo(2L);
                assertThat(b.append(new byte[] {3}).toCompletableFuture().join())
                        .isEqualTo(3L);
                assertThat(b.read(0, 10).toCompletableFuture().join().records()).hasSize(3);
            } finally {
                b.close();
            }
        }
    }

    @Nested
    @Order(3)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class Failover {

        /** The node a test killed: started again after it, so that every master has a replica again. */
        int restartAfterTest = -1;

        @AfterEach
        void restartTheKilledNode() {
            if (restartAfterTest > 0) {
                cluster.restartNode(restartAfterTest);
            }
        }

        @Test
        @Order(1)
        @Timeout(45)
        void deliveryResumesAfterTheLogsMasterIsKilledWithoutDuplicatesOrSilentLoss() throws Exception {
            String prefix = "failover" + PREFIXES.incrementAndGet();
            int slot = cluster.slot("{" + prefix + "}:log");
            int master = cluster.masterOfSlot(slot);
            try (Traffic t = new Traffic(prefix)) {
                t.startAppending();
                await().atMost(Duration.ofSeconds(10)).until(() -> t.delivered.size() >= 200);
                long killedAt = System.nanoTime();
                long issuedBeforeKill = t.counter.get();
                cluster.killMaster(master);
                restartAfterTest = master;
                int promoted = cluster.awaitPromotion(slot, master, Duration.ofSeconds(20));
                long promotedAt = System.nanoTime();
                // appends issued after the kill succeed again, and are delivered
                await().atMost(Duration.ofSeconds(20)).until(() -> t.completedAt.keySet().stream()
                        .anyMatch(e -> Long.parseLong(e.substring(1)) > issuedBeforeKill));
                await().atMost(Duration.ofSeconds(20)).until(() -> t.deliveredAt.keySet().stream()
                        .anyMatch(e -> Long.parseLong(e.substring(1)) > issuedBeforeKill));
                long firstAppendAfter = t.completedAt.entrySet().stream()
                        .filter(e -> Long.parseLong(e.getKey().substring(1)) > issuedBeforeKill)
                        .mapToLong(Map.Entry::getValue)
                        .min()
                        .orElseThrow();
                long firstDeliveryAfter = t.deliveredAt.entrySet().stream()
                        .filter(e -> Long.parseLong(e.getKey().substring(1)) > issuedBeforeKill)
                        .mapToLong(Map.Entry::getValue)
                        .min()
                        .orElseThrow();
                int deliveredNow = t.delivered.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> t.delivered.size() >= deliveredNow + 100);
                t.stopAppending();
                List<Long> lost = assertDeliveredOnceInOrderOrInAGap(t);
                long appendPauseMs = TimeUnit.NANOSECONDS.toMillis(firstAppendAfter - killedAt);
                long deliveryPauseMs = TimeUnit.NANOSECONDS.toMillis(firstDeliveryAfter - killedAt);
                System.out.printf(
                        "failover: master %d killed, %d promoted after %d ms; first append after the kill"
                                + " completed after %d ms, first delivered after %d ms; %d appends, %d failed,"
                                + " %d completed but lost (in gaps %s)%n",
                        master,
                        promoted,
                        TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAt),
                        appendPauseMs,
                        deliveryPauseMs,
                        t.appended.size(),
                        t.failed.get(),
                        lost.size(),
                        t.gaps.stream().map(g -> g[0] + ".." + g[1]).toList());
                // Redis's own promotion took node timeout + 1.4–2.4 s here (the masters agreeing on the
                // failure, then the replica's election delay of 0.5–1 s), so "within node timeout + 2 s
                // of the kill" is out of the backend's hands; what is in them is how soon it follows the
                // promotion: asserted at 1 s (measured 0.03–0.3 s), plus a bound from the kill
                long promotedMs = TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAt);
                assertThat(appendPauseMs - promotedMs)
                        .as("appends succeed again within 1 s of the promotion")
                        .isLessThanOrEqualTo(1000);
                assertThat(deliveryPauseMs - promotedMs)
                        .as("delivery resumes within 1 s of the promotion")
                        .isLessThanOrEqualTo(1000);
                long bound = NODE_TIMEOUT_MS + 3500;
                assertThat(appendPauseMs)
                        .as("appends succeed again within node timeout + 3.5 s of the kill")
                        .isLessThanOrEqualTo(bound);
                assertThat(deliveryPauseMs)
                        .as("delivery resumes within node timeout + 3.5 s of the kill")
                        .isLessThanOrEqualTo(bound);
            }
        }

        @Test
        @Order(2)
        @Timeout(40)
        void volatileEntriesReachTheSubscriberAgainAfterItsNodeDies() throws Exception {
            String prefix = "volatile" + PREFIXES.incrementAndGet();
            RedisBackend writer = backend(prefix);
            RedisBackend reader = backend(prefix);
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            try {
                writer.start(1000).toCompletableFuture().join();
                reader.start(1000).toCompletableFuture().join();
                LogSubscription sub = reader.subscribe(0, new LogListener() {
                    @Override
                    public void onRecords(List<LogRecord> records) {}

                    @Override
                    public void onVolatile(byte[] entry) {
                        received.add(new String(entry, StandardCharsets.UTF_8));
                    }
                });
                AtomicInteger n = new AtomicInteger();
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            writer.publishVolatile(("before" + n.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
                            return !received.isEmpty();
                        });
                // the one pub/sub subscriber of the cluster: ours
                int node = cluster.livePorts().stream()
                        .filter(p -> String.valueOf(cluster.tryCommand(p, "CLIENT", "LIST"))
                                .contains(" sub=1 "))
                        .findFirst()
                        .orElseThrow();
                boolean wasMaster = cluster.masterPorts().contains(node);
                long killedAt = System.nanoTime();
                cluster.killMaster(node);
                restartAfterTest = node;
                // published straight to a live node, so that only the subscriber's recovery is measured
                // (a writer whose connection sat on the dead node fails until Lettuce reconnects it)
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            int live = cluster.livePorts().get(0);
                            cluster.tryCommand(
                                    live, "PUBLISH", "{" + prefix + "}:volatile", "after" + n.incrementAndGet());
                            return received.stream().anyMatch(e -> e.startsWith("after"));
                        });
                System.out.printf(
                        "volatile: subscriber's node %d (%s) killed; volatile entries received again after %d ms%n",
                        node,
                        wasMaster ? "master" : "replica",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                sub.close();
            } finally {
                writer.close();
                reader.close();
            }
        }

        /**
         * The replica is cut off (DEBUG SLEEP, and the master drops its replication link) while the
         * master acknowledges appends, then the master dies: the promoted replica lacks entries that
         * were acknowledged. Each is then delivered (read from the old master in time) or lies in a
         * reported gap.
         *
         * <p>Before the log epochs (prelude.lua) the promoted replica's {@code seq} was behind what was
         * acknowledged and the positions of the lost entries were handed out again: the subscriber,
         * already past them, skipped the new entries at those positions without a gap (silent loss).
         */
        @Test
        @Order(3)
        @Timeout(45)
        void appendsAPromotedReplicaNeverReceivedAreDeliveredOrReportedAsAGap() throws Exception {
            String prefix = "lag" + PREFIXES.incrementAndGet();
            int slot = cluster.slot("{" + prefix + "}:log");
            int master = cluster.masterOfSlot(slot);
            int replica = cluster.replicaOf(master);
            try (Traffic t = new Traffic(prefix)) {
                t.startAppending();
                await().atMost(Duration.ofSeconds(10)).until(() -> t.delivered.size() >= 200);
                // the replica sleeps (so it cannot reconnect) and the master drops its replication link:
                // what the master acknowledges from now on never reaches the replica
                cluster.sleepNode(replica, Duration.ofMillis(1500));
                assertThat(cluster.command(master, "CLIENT", "KILL", "TYPE", "replica"))
                        .isEqualTo(1L);
                int ackedBefore = t.appended.size();
                // ~200 ms of appends the master acknowledges and the sleeping replica does not have
                await().atMost(Duration.ofSeconds(5)).until(() -> t.appended.size() >= ackedBefore + 40);
                cluster.killMaster(master);
                long highestAcked = t.appended.keySet().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElseThrow();
                restartAfterTest = master;
                assertThat(cluster.awaitPromotion(slot, master, Duration.ofSeconds(20)))
                        .isEqualTo(replica);
                Object seq = cluster.tryCommand(
                        replica, "EVAL", RedisSentinelLaggingReplicaIT.NEWEST, "1", "{" + prefix + "}:log");
                long promotedHead = Long.parseLong(String.valueOf(seq));
                // the premise: the promoted replica lacks acknowledged appends. Appends resume as soon
                // as it is promoted, so by this read its head may already be in the next epoch
                // (positions from 10^9 on): the append script noticed the promotion.
                assertThat(promotedHead < highestAcked || promotedHead >= 1_000_000_000L)
                        .as("head on the promoted replica %d: behind %d, or a new epoch", promotedHead, highestAcked)
                        .isTrue();
                int deliveredNow = t.delivered.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> t.delivered.size() >= deliveredNow + 100);
                t.stopAppending();
                List<Long> lost = assertDeliveredOnceInOrderOrInAGap(t);
                System.out.printf(
                        "lagging replica: promoted with head %d while %d was acknowledged; %d appends, %d failed,"
                                + " %d completed but not delivered (in gaps %s)%n",
                        promotedHead,
                        highestAcked,
                        t.appended.size(),
                        t.failed.get(),
                        lost.size(),
                        t.gaps.stream().map(g -> g[0] + ".." + g[1]).toList());
            }
        }
    }

    /**
     * Waits until every completed append is delivered or lies in a reported gap, then asserts that
     * delivery was in order without duplicates and each delivered position carries its entry;
     * returns the completed appends that were not delivered.
     */
    static List<Long> assertDeliveredOnceInOrderOrInAGap(Traffic t) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Map<Long, String> d = t.deliveredByPosition();
            long head = d.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            return t.appended.keySet().stream().allMatch(p -> d.containsKey(p) || (p < head && t.inAGap(p)));
        });
        t.assertInOrderWithoutDuplicates();
        Map<Long, String> delivered = t.deliveredByPosition();
        List<Long> lost = new ArrayList<>();
        t.appended.forEach((p, e) -> {
            if (delivered.containsKey(p)) {
                assertThat(delivered.get(p)).as("entry at %d", p).isEqualTo(e);
            } else {
                assertThat(t.inAGap(p))
                        .as("lost append at %d lies in a reported gap", p)
                        .isTrue();
                lost.add(p);
            }
        });
        return lost;
    }

    /** The longest time between two consecutive deliveries after {@code since}, in ms. */
    static long maxDeliveryPause(Traffic t, long since) {
        List<Long> times =
                t.deliveredAt.values().stream().filter(v -> v >= since).sorted().toList();
        long max = 0;
        for (int i = 1; i < times.size(); i++) {
            max = Math.max(max, times.get(i) - times.get(i - 1));
        }
        return TimeUnit.NANOSECONDS.toMillis(max);
    }
}
