package io.socketserve.spring.boot.internal;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.spring.boot.SocketServeProperties;
import org.springframework.util.ClassUtils;

/** The backend {@code socketserve.backend} names. */
public final class Backends {

    private Backends() {}

    public static Backend create(SocketServeProperties properties) {
        switch (properties.backend()) {
            case REDIS:
                if (!ClassUtils.isPresent("io.socketserve.redis.RedisBackend", Backends.class.getClassLoader())) {
                    throw new IllegalStateException(
                            "socketserve.backend=redis needs io.socketserve:socket-serve-redis on the class path");
                }
                return RedisBackends.create(properties.redis());
            case MEMORY:
            default:
                return new InMemoryBackend();
        }
    }

    /** Separate so that the Redis classes are loaded only when asked for. */
    private static final class RedisBackends {
        static Backend create(SocketServeProperties.Redis redis) {
            io.socketserve.redis.RedisBackendOptions.Builder b = io.socketserve.redis.RedisBackendOptions.builder()
                    .keyPrefix(redis.keyPrefix())
                    .partitions(redis.partitions());
            if (redis.clusterNodes().isEmpty()) {
                b.uri(redis.url());
            } else {
                b.clusterNodes(redis.clusterNodes());
            }
            return new io.socketserve.redis.RedisBackend(b.build());
        }
    }
}
