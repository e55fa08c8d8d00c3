package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.RateLimitStore;
import java.util.concurrent.CompletionStage;

/**
 * The {@link RateLimitStore} of {@link RedisBackend}: a hash per bucket, taken from by one script
 * that also sets it to expire once it would be full again.
 */
final class RedisRateLimits implements RateLimitStore {

    private final RedisCalls calls;
    private final Keys keys;

    RedisRateLimits(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    /** One script run on a bucket hash that expires once it would be full again. */
    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("ratePerSecond must be positive: " + ratePerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst < 1: " + burst);
        }
        return calls.call(
                () -> calls.scripts()
                        .<Long>run(
                                Script.RATE_LIMIT,
                                new byte[][] {keys.rateLimit(key)},
                                bytes(Double.toString(ratePerSecond)),
                                bytes(Integer.toString(burst)),
                                bytes(Long.toString(nowMillis))),
                r -> r);
    }
}
