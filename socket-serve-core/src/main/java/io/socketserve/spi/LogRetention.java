package io.socketserve.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of the log a {@link LogStore} keeps: the newest entries that fit all three bounds, by
 * count, by bytes and by age. An entry is trimmed as soon as any bound excludes it, except the
 * newest entry, which is kept whatever its size or age (an append can always be read back once).
 *
 * <p>Bytes are the sum of the entries' lengths ({@code byte[].length} as appended); a backend's own
 * per-entry overhead is not counted. Age is counted from when the store accepted the append, on the
 * store's clock. Trimming may happen on the next append rather than exactly when an entry grows
 * too old, so an idle log may hold entries older than {@code maxAge} until something is appended.
 *
 * @param maxEntries the most entries kept (at least 1)
 * @param maxBytes the most bytes of entries kept (at least 1); {@link Long#MAX_VALUE} for no bound
 * @param maxAge the oldest an entry may be and still be kept (positive)
 * @since 0.3
 */
public record LogRetention(int maxEntries, long maxBytes, Duration maxAge) {

    /** No age bound worth the name: about 292 million years. */
    public static final Duration NO_AGE_BOUND = Duration.ofMillis(Long.MAX_VALUE);

    /** Validates the bounds. */
    public LogRetention {
        Objects.requireNonNull(maxAge, "maxAge == null");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries < 1: " + maxEntries);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes < 1: " + maxBytes);
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
        }
    }

    /** A bound by count only, as {@link Backend#start(int)} asks for. */
    public static LogRetention ofEntries(int maxEntries) {
        return new LogRetention(maxEntries, Long.MAX_VALUE, NO_AGE_BOUND);
    }

    /** {@link #maxAge()} in milliseconds, saturated at {@link Long#MAX_VALUE}. */
    public long maxAgeMillis() {
        try {
            return maxAge.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
