package io.socketserve.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The entries this instance has processed most recently, decoded, in a ring: replay for a resuming
 * or polling client reads here instead of the backend whenever its position is recent enough.
 * Bounded by count, by bytes (each entry counted by its encoded length, which is about what the
 * decoded entry holds: the frame bytes) and by age (since it was added here); the oldest entries
 * past any bound are dropped, and a replay from before them reads the backend instead. The newest
 * entry is kept whatever its size. Confined to the dispatcher thread.
 */
final class RecentLog {

    /** An entry with its position. */
    record Positioned(long position, LogEntry entry) {}

    private final Positioned[] ring;
    private final int[] sizes;
    private final long[] addedAt;
    private final long maxBytes;
    private final long maxAgeMillis;
    private int start; // index of the oldest
    private int size;
    private long bytes; // sum of the sizes kept
    private long floor; // entries in (floor, newest] are all here

    RecentLog(int capacity, long floor) {
        this(capacity, Long.MAX_VALUE, Long.MAX_VALUE, floor);
    }

    RecentLog(int capacity, long maxBytes, long maxAgeMillis, long floor) {
        this.ring = new Positioned[capacity];
        this.sizes = new int[capacity];
        this.addedAt = new long[capacity];
        this.maxBytes = maxBytes;
        this.maxAgeMillis = maxAgeMillis;
        this.floor = floor;
    }

    /** Adds the newest entry, {@code bytes} long encoded, then drops what is past a bound. */
    void add(long position, LogEntry entry, int entryBytes, long nowMillis) {
        if (size == ring.length) {
            dropOldest();
        }
        int slot = (start + size) % ring.length;
        ring[slot] = new Positioned(position, entry);
        sizes[slot] = entryBytes;
        addedAt[slot] = nowMillis;
        size++;
        bytes += entryBytes;
        long cutoff = maxAgeMillis == Long.MAX_VALUE ? Long.MIN_VALUE : nowMillis - maxAgeMillis;
        while (size > 1 && (bytes > maxBytes || addedAt[start] < cutoff)) {
            dropOldest();
        }
    }

    private void dropOldest() {
        floor = ring[start].position();
        bytes -= sizes[start];
        ring[start] = null;
        start = (start + 1) % ring.length;
        size--;
    }

    /** The bytes kept, as the byte bound counts them. */
    long bytes() {
        return bytes;
    }

    /** The number of entries kept. */
    int size() {
        return size;
    }

    /** Forgets everything; entries after {@code floor} will be added again. */
    void reset(long newFloor) {
        java.util.Arrays.fill(ring, null);
        start = 0;
        size = 0;
        bytes = 0;
        floor = newFloor;
    }

    /** Whether every entry after {@code position} (up to the newest) is here. */
    boolean covers(long position) {
        return position >= floor;
    }

    /** The position before the oldest entry kept. */
    long floor() {
        return floor;
    }

    /** Entries with a position greater than {@code position}, oldest first. */
    List<Positioned> after(long position) {
        // binary search for the first entry > position
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ring[(start + mid) % ring.length].position() <= position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        List<Positioned> out = new ArrayList<>(size - lo);
        for (int i = lo; i < size; i++) {
            out.add(ring[(start + i) % ring.length]);
        }
        return out;
    }
}
