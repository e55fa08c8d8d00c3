package io.socketserve.redis;

import io.socketserve.redis.testing.RedisClusterProcesses;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisPartitionedCases} on a 3-master Redis Cluster with 6 partitions: two per master. */
class RedisSessionsPartitionedIT extends RedisPartitionedCases {

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses();

    @Override
    int partitions() {
        return 6;
    }

    @Override
    RedisBackend newBackend(String prefix) {
        return new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris().subList(0, 2))
                .keyPrefix(prefix)
                .partitions(partitions())
                .build());
    }

    @Override
    long integer(String... command) {
        return (Long) cluster.command(cluster.masterFor(command[1]), command);
    }

    @Override
    void flush() {
        cluster.flushAll();
    }
}
