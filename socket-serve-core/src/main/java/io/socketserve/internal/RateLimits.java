package io.socketserve.internal;

import io.socketserve.spi.Backend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token-bucket limits (events per session, connections per address), shared through the backend
 * when it can, per instance otherwise.
 */
final class RateLimits {

    private static final Logger log = LoggerFactory.getLogger(RateLimits.class);

    private final Backend backend;
    private final TokenBuckets local = new TokenBuckets();
    private volatile boolean shared = true;

    RateLimits(Backend backend) {
        this.backend = backend;
    }

    /** Completes with 0 when allowed, else the milliseconds to wait. */
    CompletionStage<Long> acquire(String key, double ratePerSecond, int burst) {
        if (ratePerSecond <= 0) {
            return CompletableFuture.completedFuture(0L);
        }
        long now = System.currentTimeMillis();
        if (!shared) {
            return CompletableFuture.completedFuture(local.tryAcquire(key, ratePerSecond, burst, now));
        }
        return backend.tryAcquire(key, ratePerSecond, burst, now).exceptionallyCompose(e -> {
            if (Blocking.unwrap(e) instanceof UnsupportedOperationException) {
                if (shared) {
                    shared = false;
                    log.info("the backend has no shared rate limiting; limits apply per instance");
                }
                return CompletableFuture.completedFuture(local.tryAcquire(key, ratePerSecond, burst, now));
            }
            return CompletableFuture.failedFuture(e);
        });
    }

    /** Forgets idle local buckets. */
    void evictIdle() {
        local.evictIdle(System.currentTimeMillis());
    }

    static ProtocolException limited(long waitMillis, String what) {
        long seconds = Math.max(1, (waitMillis + 999) / 1000);
        return new RateLimited(what, seconds);
    }

    /** 429 with Retry-After. */
    static final class RateLimited extends ProtocolException {
        private static final long serialVersionUID = 1L;

        final long retryAfterSeconds;

        RateLimited(String what, long retryAfterSeconds) {
            super(429, "rate_limited", what + "; retry in " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        @Override
        io.socketserve.transport.TransportResponse toResponse() {
            return super.toResponse().withHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
    }
}
