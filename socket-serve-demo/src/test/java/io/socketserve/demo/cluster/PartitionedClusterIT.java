package io.socketserve.demo.cluster;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.redis.testing.RedisClusterProcesses;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ClusterIT} on a Redis Cluster of 3 masters and 3 replicas, with a log of 6 partitions
 * (issue 15): broadcast, resume on another instance, polling, acks, an instance killed, expiry,
 * keys cleaned up, constant commands per broadcast, Redis pausing: everything behaves as on one
 * Redis. Each test's instances use a key prefix of their own.
 */
class PartitionedClusterIT extends ClusterIT {

    static final int PARTITIONS = 6;

    @RegisterExtension
    static final RedisClusterProcesses redisCluster = new RedisClusterProcesses();

    @Override
    protected int partitions() {
        return PARTITIONS;
    }

    @Override
    protected Cluster newCluster(int size, Consumer<ServerOptions.Builder> options, Consumer<SocketServer> handlers) {
        return new Cluster(redisCluster, PARTITIONS, size, options, handlers);
    }
}
