package io.socketserve.bench.workload;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one publishing step. Message {@code seq} goes to room {@code seq % rooms}; a step
 * owns the sequence numbers {@code [seqBase, seqBase + sent)}.
 */
final class Step {

    final long seqBase;
    final int rooms;
    final LatencyRecorder latency = new LatencyRecorder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder outOfOrder = new LongAdder();
    final LongAdder stray = new LongAdder();
    final LongAdder publishFailures = new LongAdder();
    final AtomicLongArray ackedPerRoom;
    volatile long sent;
    final java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    Step(long seqBase, int rooms) {
        this.seqBase = seqBase;
        this.rooms = rooms;
        this.ackedPerRoom = new AtomicLongArray(rooms);
    }

    long acked() {
        long n = 0;
        for (int r = 0; r < rooms; r++) {
            n += ackedPerRoom.get(r);
        }
        return n;
    }

    /** Deliveries expected: each accepted message times the subscribers of its room. */
    long expected(int[] members) {
        long n = 0;
        for (int r = 0; r < rooms; r++) {
            n += ackedPerRoom.get(r) * members[r];
        }
        return n;
    }
}
