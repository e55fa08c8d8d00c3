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

    /** An entry with its partition and its position in that partition. */
    record Positioned(int partition, long position, LogEntry entry) {

        /** An entry of a single-partition log. */
        Positioned(long position, LogEntry entry) {
            this(0, position, entry);
        }
    }

    private final Positioned[] ring;
    private final int[] sizes;
    private final long[] addedAt;
    private final long maxBytes;
    private final long maxAgeMillis;
    private int start; // index of the oldest
    private int size;
    private long bytes; // sum of the sizes kept
    private final long[] floors; // per partition: entries in (floor, newest] are all here

    RecentLog(int capacity, long floor) {
        this(capacity, Long.MAX_VALUE, Long.MAX_VALUE, floor);
    }

    RecentLog(int capacity, long maxBytes, long maxAgeMillis, long floor) {
        this(capacity, maxBytes, maxAgeMillis, new long[] {floor});
    }

    /** A recent log of a partitioned log: {@code floors} has one position per partition. */
    RecentLog(int capacity, long maxBytes, long maxAgeMillis, long[] floors) {
        this.ring = new Positioned[capacity];
        this.sizes = new int[capacity];
        this.addedAt = new long[capacity];
        this.maxBytes = maxBytes;
        this.maxAgeMillis = maxAgeMillis;
        this.floors = floors.clone();
    }

    /** Adds the newest entry of a single-partition log. */
    void add(long position, LogEntry entry, int entryBytes, long nowMillis) {
        add(0, position, entry, entryBytes, nowMillis);
    }

    /**
     * Adds the newest entry (of its partition; partitions interleave in processing order), {@code
     * bytes} long encoded, then drops what is past a bound.
     */
    void add(int partition, long position, LogEntry entry, int entryBytes, long nowMillis) {
        if (size == ring.length) {
            dropOldest();
        }
        int slot = (start + size) % ring.length;
        ring[slot] = new Positioned(partition, position, entry);
        sizes[slot] = entryBytes;
        addedAt[slot] = nowMillis;
        size++;
        bytes += entryBytes;
        long cutoff = maxAgeMillis == Long.MAX_VALUE ? Long.MIN_VALUE : nowMillis - maxAgeMillis;
        while (size > 1 && (bytes > maxBytes || addedAt[start] < cutoff)) {
            dropOldest();
        }
    }

    /**
     * Puts entries of {@code partition} older than the ones kept, read from the backend for a
     * replay, before them, so that the next replays from that far back find them here instead of
     * reading and decoding them again (issue 16: a resume storm on a fresh instance read the same
     * range once per client). {@code older} are the entries in {@code (x, upTo]}, oldest first, with
     * their encoded lengths in {@code entrySizes}; they are taken only while {@code upTo} is still the
     * partition's floor (nothing between them and the entries kept is missing), from the newest
     * back, as long as positions are contiguous (a {@link LogEntry.Lost} marker or an entry that
     * could not be decoded ends the run) and the count and byte bounds leave room; they share the
     * age of the oldest entry kept, and leave with it. The partition's floor moves down to before
     * the oldest entry taken.
     *
     * @return the number of entries taken
     */
    int prepend(int partition, List<Positioned> older, List<Integer> entrySizes, long upTo, long nowMillis) {
        if (floors[partition] != upTo) {
            return 0;
        }
        long expected = upTo;
        long room = maxBytes - bytes;
        int taken = 0;
        long at = size == 0 ? nowMillis : addedAt[start];
        for (int i = older.size() - 1; i >= 0 && size < ring.length; i--) {
            Positioned e = older.get(i);
            int entryBytes = entrySizes.get(i);
            if (e.partition() != partition
                    || e.position() != expected
                    || e.entry() instanceof LogEntry.Lost
                    || entryBytes > room) {
                break;
            }
            start = (start - 1 + ring.length) % ring.length;
            ring[start] = e;
            sizes[start] = entryBytes;
            addedAt[start] = at;
            size++;
            bytes += entryBytes;
            room -= entryBytes;
            expected--;
            taken++;
        }
        floors[partition] = expected;
        return taken;
    }

    /** Whether {@link #prepend} has room for at least one more entry. */
    boolean hasRoom() {
        return size < ring.length && bytes < maxBytes;
    }

    private void dropOldest() {
        floors[ring[start].partition()] = ring[start].position();
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

    /** Forgets everything; entries after {@code floor} will be added again (single partition). */
    void reset(long newFloor) {
        reset(0, newFloor);
    }

    /**
     * Forgets {@code partition}'s entries; entries of it after {@code newFloor} will be added again.
     * With one partition the ring is simply emptied.
     */
    void reset(int partition, long newFloor) {
        if (floors.length == 1) {
            java.util.Arrays.fill(ring, null);
            start = 0;
            size = 0;
            bytes = 0;
        } else {
            // keep the other partitions' entries, in order
            List<Positioned> kept = new ArrayList<>(size);
            List<Integer> keptSizes = new ArrayList<>(size);
            List<Long> keptAt = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int slot = (start + i) % ring.length;
                if (ring[slot].partition() != partition) {
                    kept.add(ring[slot]);
                    keptSizes.add(sizes[slot]);
                    keptAt.add(addedAt[slot]);
                }
            }
            java.util.Arrays.fill(ring, null);
            start = 0;
            size = kept.size();
            bytes = 0;
            for (int i = 0; i < size; i++) {
                ring[i] = kept.get(i);
                sizes[i] = keptSizes.get(i);
                addedAt[i] = keptAt.get(i);
                bytes += sizes[i];
            }
        }
        floors[partition] = newFloor;
    }

    /** Whether every entry after {@code position} (up to the newest) is here (single partition). */
    boolean covers(long position) {
        return position >= floors[0];
    }

    /** Whether every entry after {@code position}, in every partition, is here. */
    boolean covers(long[] position) {
        for (int p = 0; p < floors.length; p++) {
            if (position[p] < floors[p]) {
                return false;
            }
        }
        return true;
    }

    /** The position before the oldest entry kept (partition 0). */
    long floor() {
        return floors[0];
    }

    /** The position before the oldest entry of {@code partition} kept. */
    long floor(int partition) {
        return floors[partition];
    }

    /**
     * Entries with a position greater than {@code position}'s component of their partition, in
     * processing order. O(log n) for one partition, O(n) for more.
     */
    List<Positioned> after(long[] position) {
        if (position.length == 1) {
            return after(position[0]);
        }
        List<Positioned> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Positioned e = ring[(start + i) % ring.length];
            if (e.position() > position[e.partition()]) {
                out.add(e);
            }
        }
        return out;
    }

    /** Entries with a position greater than {@code position}, oldest first (single partition). */
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
