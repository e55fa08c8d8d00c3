package io.socketserve.spi;

import java.util.List;

/** Receives the log from {@link LogStore#subscribe}, in order, one call at a time. */
public interface LogListener {

    /** New records, in increasing position order, never empty. */
    void onRecords(List<LogRecord> records);

    /**
     * Records after {@code afterPosition} up to {@code oldestPosition - 1} were trimmed before this
     * subscriber could read them (it fell behind the recovery window, or the store lost data).
     */
    default void onGap(long afterPosition, long oldestPosition) {}

    /**
     * A volatile entry published with {@link LogStore#publishVolatile}: not part of the log, no
     * position, delivered at most once and in no particular order relative to the records. Called
     * from any thread; the listener must not block.
     */
    default void onVolatile(byte[] entry) {}

    /** The store became unreachable ({@code false}) or reachable again ({@code true}). */
    default void onAvailability(boolean available) {}
}
