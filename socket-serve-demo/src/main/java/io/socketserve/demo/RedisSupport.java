package io.socketserve.demo;

import io.socketserve.redis.RedisBackend;
import io.socketserve.spi.Backend;

/**
 * Creates the Redis backend for {@code --redis} / {@code REDIS_URL}: {@code redis://…}, {@code
 * rediss://…} or {@code redis-sentinel://s1:26379,s2:26379#masterId} (Redis Sentinel; the backend
 * asks the Sentinels where the master is and follows it on failover), or for {@code
 * --redis-cluster} / {@code REDIS_CLUSTER_URLS} (Redis Cluster seed nodes).
 */
final class RedisSupport {

    private RedisSupport() {}

    /** @throws IllegalArgumentException if the URL is not one of those (a Sentinel URL without master id) */
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
