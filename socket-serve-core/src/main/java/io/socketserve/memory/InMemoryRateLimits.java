package io.socketserve.memory;

import io.socketserve.internal.TokenBuckets;
import io.socketserve.spi.RateLimitStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link RateLimitStore} of {@link InMemoryBackend}: the engine's {@link TokenBuckets}, shared
 * by everything that uses this backend, with idle buckets evicted every 1,024 calls.
 */
final class InMemoryRateLimits implements RateLimitStore {

    private final TokenBuckets buckets = new TokenBuckets();
    private volatile int rateCalls; // approximate; only paces eviction

    @Override
    public CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        if ((++rateCalls & 1023) == 0) {
            buckets.evictIdle(nowMillis);
        }
        return CompletableFuture.completedFuture(buckets.tryAcquire(key, ratePerSecond, burst, nowMillis));
    }
}
