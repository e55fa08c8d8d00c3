package io.socketserve.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The pause after a lost compare-and-set in the blocking {@code update} loops ({@link
 * SessionDataImpl}, {@link SharedStoreImpl}): random, growing with the attempt up to 2 ms. Without
 * it, threads that retry at once can keep one of them losing until it gives up (seen with 8 threads
 * on 2 cores: 100 lost attempts in a row).
 */
final class CasBackoff {

    private static final long MAX_NANOS = 2_000_000;

    private CasBackoff() {}

    /** Pauses after lost attempt number {@code attempt} (0-based). */
    static void pause(int attempt) {
        long bound = Math.min(MAX_NANOS, 20_000L << Math.min(attempt, 10));
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1, bound + 1));
    }
}
