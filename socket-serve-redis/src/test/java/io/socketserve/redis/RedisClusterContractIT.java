package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendContractTest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole backend contract against {@link RedisBackend} with a log of {@value #PARTITIONS}
 * partitions on a real Redis Cluster of 3 masters (issue 15): every script touches the keys of one
 * partition only (Redis 7.0 refuses a key of another node's slot, "non local key"; another slot on
 * the same node it allows, so the contract's results are what catch a key in the wrong partition).
 * This is also the contract run on a cluster for one partition's code paths: the same scripts run
 * at P = 1 (RedisBackendContractIT) with every key in one slot. One cluster for the
 * class; each test has its own key prefix (so its own partition tags) and the masters are flushed
 * after each test.
 */
class RedisClusterContractIT extends BackendContractTest {

    static final int PARTITIONS = 6;

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses();

    private static final AtomicInteger TESTS = new AtomicInteger();

    private final String prefix = "pcc" + TESTS.incrementAndGet();

    @Override
    protected Backend newBackend() {
        return new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris().subList(0, 2))
                .keyPrefix(prefix)
                .partitions(PARTITIONS)
                .build());
    }

    @Override
    protected void cleanUp() {
        cluster.flushAll();
    }

    /** The suite runs what it claims to: a log of six partitions, two on each master. */
    @Test
    void theLogHasSixPartitionsTwoOnEachMaster() {
        assertThat(store().partitions()).isEqualTo(PARTITIONS);
        Keys keys = new Keys(prefix, PARTITIONS);
        Map<Integer, Integer> perMaster = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            perMaster.merge(cluster.masterFor(keys.prefixString(p) + "log"), 1, Integer::sum);
        }
        assertThat(perMaster).hasSize(3).allSatisfy((master, n) -> assertThat(n).isEqualTo(2));
    }
}
