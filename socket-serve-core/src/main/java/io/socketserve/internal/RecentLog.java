package io.socketserve.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The entries this instance has processed most recently, decoded, in a ring: replay for a resuming
 * or polling client reads here instead of the backend whenever its position is recent enough.
 * Confined to the dispatcher thread.
 */
final class RecentLog {

    /** An entry with its position. */
    record Positioned(long position, LogEntry entry) {}

    private final Positioned[] ring;
    private int start; // index of the oldest
    private int size;
    private long floor; // entries in (floor, newest] are all here

    RecentLog(int capacity, long floor) {
        this.ring = new Positioned[capacity];
        this.floor = floor;
    }

    void add(long position, LogEntry entry) {
        if (size == ring.length) {
            floor = ring[start].position();
            ring[start] = new Positioned(position, entry);
            start = (start + 1) % ring.length;
        } else {
            ring[(start + size) % ring.length] = new Positioned(position, entry);
            size++;
        }
    }

    /** Forgets everything; entries after {@code floor} will be added again. */
    void reset(long newFloor) {
        java.util.Arrays.fill(ring, null);
        start = 0;
        size = 0;
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
