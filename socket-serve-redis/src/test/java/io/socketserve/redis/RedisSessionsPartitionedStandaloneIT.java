package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.testing.RedisServerProcess;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisPartitionedCases} on one Redis with 4 partitions. */
class RedisSessionsPartitionedStandaloneIT extends RedisPartitionedCases {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    @Override
    int partitions() {
        return 4;
    }

    @Override
    RedisBackend newBackend(String prefix) {
        return new RedisBackend(RedisBackendOptions.builder()
                .uri(redis.uri())
                .keyPrefix(prefix)
                .partitions(partitions())
                .build());
    }

    @Override
    long integer(String... command) {
        String reply = redis.tryCommand(String.join(" ", command));
        assertThat(reply).startsWith(":");
        return Long.parseLong(reply.substring(1));
    }

    @Override
    void flush() {
        redis.tryCommand("FLUSHALL");
    }
}
