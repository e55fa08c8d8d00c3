package io.socketserve.spi;

/**
 * One entry of the log with its position and partition. The entry bytes are owned by the engine's
 * codec; a backend stores and returns them unchanged and never modifies the array after handing it
 * out.
 *
 * @param partition the partition the entry is in (0 for a single-partition log)
 */
public record LogRecord(int partition, long position, byte[] entry) {

    /** A record of partition 0 (a single-partition log). */
    public LogRecord(long position, byte[] entry) {
        this(0, position, entry);
    }
}
