package io.socketserve.demo;

import io.socketserve.redis.RedisBackend;
import io.socketserve.spi.Backend;

/** Creates the Redis backend for {@code --redis} / {@code REDIS_URL}. */
final class RedisSupport {

    private RedisSupport() {}

    static Backend backend(String url) {
        return RedisBackend.create(url);
    }
}
