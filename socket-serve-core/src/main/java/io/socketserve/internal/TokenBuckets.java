package io.socketserve.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets in this JVM, keyed by string: the in-memory backend's rate limiter and the engine's
 * fallback for backends without a shared one. Idle buckets (full again) are dropped by {@link
 * #evictIdle}, so memory stays bounded by the number of recently active keys.
 */
public final class TokenBuckets {

    private static final class Bucket {
        final double rate;
        final int burst;
        double tokens;
        long updatedMillis;

        Bucket(double rate, int burst, long updatedMillis) {
            this.rate = rate;
            this.burst = burst;
            this.tokens = burst;
            this.updatedMillis = updatedMillis;
        }
    }

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** 0 when a token was taken, else the milliseconds until one is available. */
    public long tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        long[] wait = new long[1];
        buckets.compute(key, (k, b) -> {
            if (b == null) {
                b = new Bucket(ratePerSecond, burst, nowMillis);
            } else if (nowMillis > b.updatedMillis) {
                // Only forwards: a caller that read the clock before the last one (concurrent
                // requests) gets no refill, and must not move the bucket back in time, or the next
                // caller would be refilled for the same milliseconds twice (as rate_limit.lua does).
                b.tokens = Math.min(burst, b.tokens + (nowMillis - b.updatedMillis) * ratePerSecond / 1000.0);
                b.updatedMillis = nowMillis;
            }
            if (b.tokens >= 1) {
                b.tokens -= 1;
            } else {
                wait[0] = Math.max(1, (long) Math.ceil((1 - b.tokens) * 1000.0 / ratePerSecond));
            }
            return b;
        });
        return wait[0];
    }

    /** Drops buckets that would be full again by {@code nowMillis}. */
    public void evictIdle(long nowMillis) {
        for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
            Bucket b = it.next().getValue();
            if (b.tokens + (nowMillis - b.updatedMillis) * b.rate / 1000.0 >= b.burst) {
                it.remove();
            }
        }
    }

    /** Number of buckets held. */
    public int size() {
        return buckets.size();
    }
}
