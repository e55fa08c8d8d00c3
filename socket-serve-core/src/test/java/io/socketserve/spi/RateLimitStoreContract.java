package io.socketserve.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link RateLimitStore}: token buckets shared by every instance. Skipped for an
 * implementation that keeps the default (no shared rate limiting). It needs nothing but the rate
 * limit part.
 *
 * @param <S> the type under test
 */
public interface RateLimitStoreContract<S extends RateLimitStore> extends PartContract<S> {

    long T0 = 1_700_000_000_000L;

    /** {@link RateLimitStore#tryAcquire}, skipping the test for a backend that does not share rate limits. */
    private long acquire(S b, String key, double rate, int burst, long now) {
        try {
            return b.tryAcquire(key, rate, burst, now)
                    .toCompletableFuture()
                    .get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assumeTrue(!(e.getCause() instanceof UnsupportedOperationException), "no shared rate limiting");
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    default void tryAcquireGrantsABurstAtOnce() {
        for (int i = 0; i < 3; i++) {
            assertThat(acquire(store(), "b", 1, 3, T0)).isZero();
        }
        assertThat(acquire(store(), "b", 1, 3, T0)).isPositive();
    }

    @Test
    default void tryAcquireReportsTheWaitUntilTheNextToken() {
        assertThat(acquire(store(), "b", 2, 1, T0)).isZero();
        assertThat(acquire(store(), "b", 2, 1, T0 + 100)).isBetween(399L, 401L);
    }

    @Test
    default void tryAcquireRefillsAtTheRate() {
        assertThat(acquire(store(), "b", 10, 1, T0)).isZero();
        assertThat(acquire(store(), "b", 10, 1, T0 + 50)).isPositive();
        assertThat(acquire(store(), "b", 10, 1, T0 + 100)).isZero();
    }

    @Test
    default void tryAcquireNeverRefillsBeyondTheBurst() {
        assertThat(acquire(store(), "b", 1_000, 2, T0)).isZero();
        long later = T0 + 60_000;
        assertThat(acquire(store(), "b", 1_000, 2, later)).isZero();
        assertThat(acquire(store(), "b", 1_000, 2, later)).isZero();
        assertThat(acquire(store(), "b", 1_000, 2, later)).isPositive();
    }

    @Test
    default void tryAcquireKeepsOneBucketPerKey() {
        assertThat(acquire(store(), "a", 1, 1, T0)).isZero();
        assertThat(acquire(store(), "a", 1, 1, T0)).isPositive();
        assertThat(acquire(store(), "b", 1, 1, T0)).isZero();
    }

    @Test
    default void tryAcquireSharesBucketsBetweenInstances() {
        assertThat(acquire(store(), "b", 1, 1, T0)).isZero();
        assertThat(acquire(otherInstance(), "b", 1, 1, T0)).isPositive();
    }
}
