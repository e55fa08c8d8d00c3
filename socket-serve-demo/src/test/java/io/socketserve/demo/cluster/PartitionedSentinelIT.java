package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.testing.RedisSentinelProcesses;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 under Redis Sentinel: one master, one replica and three Sentinels, two instances with a
 * log of 4 partitions (all on the one master), a paced stream of broadcasts to rooms in three
 * partitions ({@link PacedBroadcasts}). The master is killed; the instances follow the promoted
 * replica, and every listener gets every acknowledged message of every room exactly once, in order,
 * unless an explicit {@code __missed} for that room's partition covers it.
 */
class PartitionedSentinelIT {

    static final int PARTITIONS = 4;

    private final RedisSentinelProcesses sentinel = new RedisSentinelProcesses();
    private Cluster cluster;
    private PacedBroadcasts traffic;

    @BeforeEach
    void start() {
        sentinel.start();
        cluster = new Cluster(
                sentinel.sentinelUri(RedisSentinelProcesses.MASTER_ID),
                PARTITIONS,
                2,
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
        sentinel.close();
    }

    @Test
    void theMasterKilledMidStreamLosesNothingSilently() throws Exception {
        PacedBroadcasts.Sender sender = traffic.sender();
        sender.start();
        traffic.awaitDelivered(150);
        int replica = sentinel.replicaPort();
        long killedAt = System.nanoTime();
        int old = sentinel.killMaster();
        int promoted = sentinel.awaitFailover(Duration.ofSeconds(20));
        long promotedAt = System.nanoTime();
        assertThat(promoted).isNotEqualTo(old).isEqualTo(replica);
        int after = sender.sent.get();
        for (String room : traffic.rooms) {
            traffic.awaitDeliveryOf(room, after, Duration.ofSeconds(10));
        }
        long resumedAt = System.nanoTime();
        sender.finish();
        System.out.printf(
                "PartitionedSentinelIT: master killed, replica promoted after %d ms; delivery resumed %d ms after"
                        + " the promotion; %d messages sent, %d answered 200%n",
                (promotedAt - killedAt) / 1_000_000,
                (resumedAt - promotedAt) / 1_000_000,
                sender.sent.get(),
                sender.answered200());
        traffic.assertExactlyOnceInOrder(sender, true);
    }
}
