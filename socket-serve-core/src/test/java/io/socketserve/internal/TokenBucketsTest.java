package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    private static final double RATE = 1000; // a token per millisecond
    private static final int BURST = 100;

    private final TokenBuckets buckets = new TokenBuckets();

    private int takeAll(long nowMillis) {
        int taken = 0;
        while (buckets.tryAcquire("k", RATE, BURST, nowMillis) == 0) {
            taken++;
        }
        return taken;
    }

    @Test
    void aFullBucketGivesItsBurstThenRefillsAtTheRate() {
        assertThat(takeAll(0)).isEqualTo(BURST);
        assertThat(buckets.tryAcquire("k", RATE, BURST, 0)).isEqualTo(1);
        assertThat(takeAll(10)).isEqualTo(10);
        assertThat(takeAll(1_000)).isEqualTo(BURST);
    }

    /** Concurrent requests read the clock in one order and reach the bucket in another. */
    @Test
    void aCallerWithAnEarlierClockGetsNoRefillAndDoesNotRefillTheNextTwice() {
        takeAll(0);
        assertThat(buckets.tryAcquire("k", RATE, BURST, 10)).isZero(); // 10 refilled, 9 left

        assertThat(buckets.tryAcquire("k", RATE, BURST, 5)).isZero(); // late: no refill, 8 left

        assertThat(takeAll(10)).as("what is left at 10 ms").isEqualTo(8);
        assertThat(takeAll(12)).isEqualTo(2);
    }
}
