package io.socketserve.demo;

import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.spi.Backend;

/**
 * Creates the Redis backend for {@code --redis} / {@code REDIS_URL}: {@code redis://…}, {@code
 * rediss://…} or {@code redis-sentinel://s1:26379,s2:26379#masterId} (Redis Sentinel; the backend
 * asks the Sentinels where the master is and follows it on failover), or for {@code
 * --redis-cluster} / {@code REDIS_CLUSTER_URLS} (Redis Cluster seed nodes).
 */
final class RedisSupport {

    private RedisSupport() {}

    /**
     * A backend on {@code url} whose log has {@code partitions} partitions.
     *
     * @throws IllegalArgumentException if the URL is not one of those (a Sentinel URL without master
     *     id), or {@code partitions} is out of range
     */
    static Backend backend(String url, int partitions) {
        return new RedisBackend(
                RedisBackendOptions.builder().uri(url).partitions(partitions).build());
    }

    /** A Redis Cluster backend on comma-separated seed node URLs, its log in {@code partitions} partitions. */
    static Backend clusterBackend(String urls, int partitions) {
        return new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(java.util.Arrays.stream(urls.split(","))
                        .map(String::trim)
                        .filter(u -> !u.isEmpty())
                        .toList())
                .partitions(partitions)
                .build());
    }
}
