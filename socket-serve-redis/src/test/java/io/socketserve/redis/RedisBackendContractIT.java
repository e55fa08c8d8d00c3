package io.socketserve.redis;

import static io.socketserve.spi.ContractSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend contract against a real {@code redis-server}. Each test gets its own key prefix, so
 * the backends of one test share a store (like instances of one cluster) and tests do not see each
 * other; the data set is flushed after each test.
 */
class RedisBackendContractIT extends BackendContractTest {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "contract" + TESTS.incrementAndGet();

    @Override
    protected Backend newBackend() {
        return new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix(prefix).build());
    }

    /** Redis knows (the session's {@code pu:} key): a session without presence is attached without a refresh. */
    @Test
    void membershipOfASessionWithoutPresenceSaysSo() {
        String id = createSession();
        assertThat(get(store().membership(id)).presence()).isFalse();
        assertThat(get(store().membership(id)).exists()).isTrue();
    }

    @Override
    protected void cleanUp() {
        redis.tryCommand("FLUSHALL");
    }
}
