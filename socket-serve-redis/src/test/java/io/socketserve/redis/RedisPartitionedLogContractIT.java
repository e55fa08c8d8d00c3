package io.socketserve.redis;

import static io.socketserve.spi.ContractSupport.get;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.LogRetention;
import io.socketserve.spi.LogStoreContract;
import io.socketserve.spi.PartContractSuite;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The log contract against a real {@code redis-server} with a log of four partitions (issue 15):
 * the single-partition methods act on partition 0, the partition-aware tests cover every partition,
 * each partition under its own hash tag. {@code RedisBackendContractIT} runs the whole contract with
 * one partition.
 */
class RedisPartitionedLogContractIT extends PartContractSuite<RedisBackend> implements LogStoreContract<RedisBackend> {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "plog" + TESTS.incrementAndGet();

    @Override
    protected RedisBackend newInstance() {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(redis.uri())
                .keyPrefix(prefix)
                .partitions(4)
                .build());
    }

    @Override
    protected void start(RedisBackend instance, int maxLogEntries) {
        get(instance.start(maxLogEntries));
    }

    @Override
    protected void start(RedisBackend instance, LogRetention retention) {
        get(instance.start(retention));
    }

    @Override
    protected void close(RedisBackend instance) {
        instance.close();
    }

    @Override
    protected void cleanUp() {
        redis.tryCommand("FLUSHALL");
    }
}
