package io.socketserve.spi;

import java.util.List;

/** Receives the log from {@link LogStore#subscribe}, in order, one call at a time. */
public interface LogListener {

    /**
     * New records, never empty: in increasing position order within each partition; records of
     * different partitions may come in any interleaving (and in separate calls).
     */
    void onRecords(List<LogRecord> records);

    /**
     * Records after {@code afterPosition} up to {@code oldestPosition - 1} were trimmed before this
     * subscriber could read them (it fell behind the recovery window, or the store lost data).
     */
    default void onGap(long afterPosition, long oldestPosition) {}

    /**
     * Records of {@code partition} after {@code afterPosition} up to {@code oldestPosition - 1} were
     * trimmed before this subscriber could read them. The default hands partition 0's gaps to {@link
     * #onGap(long, long)}; a listener of a partitioned log overrides it.
     *
     * @since 0.7
     */
    default void onGap(int partition, long afterPosition, long oldestPosition) {
        if (partition == 0) {
            onGap(afterPosition, oldestPosition);
        }
    }

    /**
     * A volatile entry published with {@link LogStore#publishVolatile}: not part of the log, no
     * position, delivered at most once and in no particular order relative to the records. Called
     * from any thread; the listener must not block.
     */
    default void onVolatile(byte[] entry) {}

    /** The store became unreachable ({@code false}) or reachable again ({@code true}). */
    default void onAvailability(boolean available) {}
}
