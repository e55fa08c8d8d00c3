package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.Partitions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 on a Redis Cluster of 3 masters + 3 replicas, three instances and a log of 6 partitions,
 * during a paced stream of broadcasts to three rooms in different partitions ({@link
 * PacedBroadcasts}):
 *
 * <ul>
 *   <li>the master serving a room's partition is killed ({@code SIGKILL}): its replica is promoted and
 *       delivery resumes within {@code cluster-node-timeout} + 2 s of the promotion; every listener
 *       gets every acknowledged message of every room exactly once, in order, unless an explicit
 *       {@code __missed} for that room's partition covers it;
 *   <li>two partitions' slots are resharded live to other masters: nothing is lost, duplicated or
 *       reordered, and nothing is reported missing.
 * </ul>
 *
 * Each test gets its own Redis Cluster (a kill changes the topology).
 */
class PartitionedClusterFailoverIT {

    static final int PARTITIONS = 6;

    private final RedisClusterProcesses redisCluster = new RedisClusterProcesses();
    private Cluster cluster;
    private PacedBroadcasts traffic;

    @BeforeEach
    void start() {
        redisCluster.start();
        cluster = new Cluster(
                redisCluster,
                PARTITIONS,
                3,
                o -> o.backendTimeout(Duration.ofSeconds(2))
                        .eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1),
                PacedBroadcasts::handlers);
        traffic = new PacedBroadcasts(cluster, PARTITIONS);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        redisCluster.close();
    }

    /** The slot of {@code room}'s partition. */
    private int slotOf(String room) {
        Keys keys = new Keys(cluster.keyPrefix, PARTITIONS);
        return Keys.slot(keys.prefixString(Partitions.of(room, PARTITIONS)) + "log");
    }

    @Test
    void aMasterKilledMidStreamLosesNothingSilently() throws Exception {
        PacedBroadcasts.Sender sender = traffic.sender();
        sender.start();
        traffic.awaitDelivered(150);
        String room = traffic.rooms.get(0);
        int slot = slotOf(room);
        int master = redisCluster.masterOfSlot(slot);
        long killedAt = System.nanoTime();
        redisCluster.killMaster(master);
        int promoted = redisCluster.awaitPromotion(slot, master, Duration.ofSeconds(20));
        long promotedAt = System.nanoTime();
        int after = sender.sent.get();
        traffic.awaitDeliveryOf(room, after, Duration.ofMillis(redisCluster.nodeTimeoutMillis() + 2000L));
        long resumedAt = System.nanoTime();
        sender.finish();
        System.out.printf(
                "PartitionedClusterFailoverIT: master %d killed, replica %d promoted after %d ms; delivery of %s"
                        + " resumed %d ms after the promotion; %d messages sent, %d answered 200%n",
                master,
                promoted,
                (promotedAt - killedAt) / 1_000_000,
                room,
                (resumedAt - promotedAt) / 1_000_000,
                sender.sent.get(),
                sender.answered200());
        traffic.assertExactlyOnceInOrder(sender, true);
    }

    @Test
    void partitionsResharedLiveLoseAndDuplicateNothing() throws Exception {
        PacedBroadcasts.Sender sender = traffic.sender();
        sender.start();
        traffic.awaitDelivered(100);
        for (String room : traffic.rooms.subList(0, 2)) {
            int slot = slotOf(room);
            int from = redisCluster.masterOfSlot(slot);
            int to = redisCluster.masterPorts().stream()
                    .filter(p -> p != from)
                    .findFirst()
                    .orElseThrow();
            redisCluster.reshardSlot(slot, to);
            assertThat(redisCluster.masterOfSlot(slot)).isEqualTo(to);
        }
        traffic.awaitDelivered(sender.sent.get() + 60);
        sender.finish();
        assertThat(sender.statuses.values()).as("every send answered 200").containsOnly(200);
        traffic.assertExactlyOnceInOrder(sender, false);
    }
}
