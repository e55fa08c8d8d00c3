package io.socketserve.demo;

import io.socketserve.spi.Backend;

/** Creates the Redis backend for {@code --redis}. */
final class RedisSupport {

    private RedisSupport() {}

    static Backend backend(String url) {
        throw new IllegalArgumentException(
                "--redis is not available in this build yet: the Redis backend module is not wired into the demo");
    }
}
