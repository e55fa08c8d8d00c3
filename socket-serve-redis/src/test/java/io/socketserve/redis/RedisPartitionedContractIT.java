package io.socketserve.redis;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole backend contract against {@link RedisBackend} with a log of four partitions on a single
 * {@code redis-server} (issue 15): the split, per-partition protocol of a partitioned log without a
 * cluster. {@link RedisClusterContractIT} runs it on a Redis Cluster, {@link RedisBackendContractIT}
 * with one partition.
 */
class RedisPartitionedContractIT extends BackendContractTest {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "pcontract" + TESTS.incrementAndGet();

    @Override
    protected Backend newBackend() {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(redis.uri())
                .keyPrefix(prefix)
                .partitions(4)
                .build());
    }

    @Override
    protected void cleanUp() {
        redis.tryCommand("FLUSHALL");
    }
}
