package io.socketserve.redis;

import io.socketserve.redis.testing.RedisSentinelProcesses;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend contract through Redis Sentinel: every backend is created from {@code
 * redis-sentinel://…#mymaster} and finds the master through three real Sentinels
 * ({@link RedisSentinelProcesses}: a master, a replica, three Sentinels). Each test gets its own key
 * prefix; the data set is flushed after each test. Failovers are in {@link RedisSentinelIT}.
 */
class RedisSentinelContractIT extends BackendContractTest {

    @RegisterExtension
    static final RedisSentinelProcesses sentinel = new RedisSentinelProcesses();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "sentinel" + TESTS.incrementAndGet();

    @Override
    protected Backend newBackend() {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(sentinel.sentinelUri(RedisSentinelProcesses.MASTER_ID))
                .keyPrefix(prefix)
                .build());
    }

    @Override
    protected void cleanUp() {
        RedisSentinelProcesses.command(sentinel.masterPort(), "FLUSHALL");
    }
}
