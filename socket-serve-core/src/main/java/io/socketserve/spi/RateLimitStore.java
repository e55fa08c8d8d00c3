package io.socketserve.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The backend part that keeps token buckets shared by every instance, for the rate limits of
 * {@code ServerOptions} (events per session, new sessions per address).
 *
 * <h2>What it stores</h2>
 *
 * <p>One bucket per key (tokens left, time of the last refill). Buckets left alone for a while are
 * forgotten, so its memory stays bounded whatever the number of keys.
 *
 * <h2>Atomicity</h2>
 *
 * <p>{@link #tryAcquire} refills and takes a token from one bucket in one atomic step; nothing spans
 * buckets or other parts, so this part can live apart from the others.
 *
 * <h2>What the engine relies on</h2>
 *
 * <p>That {@link #tryAcquire} either answers for every instance on the store or, as the default
 * does, fails with {@link UnsupportedOperationException}: the engine then limits per instance, from
 * that call on ({@code RateLimits}). A backend that does not share buckets simply keeps the default.
 *
 * <p>Test an implementation with {@code RateLimitStoreContract} from the core test jar.
 *
 * @since 0.2
 */
public interface RateLimitStore {

    /**
     * Takes one token from the bucket {@code key} (capacity {@code burst}, refilled at {@code
     * ratePerSecond}), shared by every instance using this store. Completes with 0 when a token was
     * taken, else with the milliseconds until one will be available. Buckets left alone for a while
     * are forgotten (bounded memory).
     *
     * <p>The default completes exceptionally with {@link UnsupportedOperationException}; the engine
     * then limits per instance instead.
     *
     * @since 0.1
     */
    default CompletionStage<Long> tryAcquire(String key, double ratePerSecond, int burst, long nowMillis) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no shared rate limiting"));
    }
}
