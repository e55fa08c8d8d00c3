package io.socketserve.demo;

import io.socketserve.redis.RedisBackend;
import io.socketserve.spi.Backend;

/**
 * Creates the Redis backend for {@code --redis} / {@code REDIS_URL}, or for {@code --redis-cluster}
 * / {@code REDIS_CLUSTER_URLS}.
 */
final class RedisSupport {

    private RedisSupport() {}

    static Backend backend(String url) {
        return RedisBackend.create(url);
    }

    /** A Redis Cluster backend on comma-separated seed node URLs. */
    static Backend clusterBackend(String urls) {
        return RedisBackend.createCluster(java.util.Arrays.stream(urls.split(","))
                .map(String::trim)
                .filter(u -> !u.isEmpty())
                .toArray(String[]::new));
    }
}
