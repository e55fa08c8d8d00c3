package io.socketserve.memory;

import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogRetention;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogStore;
import io.socketserve.spi.LogSubscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link LogStore} of {@link InMemoryBackend}: per partition a ring buffer of {@code maxEntries}
 * records, trimmed further by bytes and age ({@link LogRetention}, each partition on its own), all
 * behind the backend's one lock, and one daemon thread per subscriber that reads every partition.
 *
 * <p>The other parts append under the same lock ({@link #appendLocked}), which is what makes a
 * membership change or a removal and its entry one atomic step.
 */
final class InMemoryLog implements LogStore {

    private final ReentrantLock lock;
    private final Condition appended;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Ring[] rings;
    private boolean closed;

    InMemoryLog(ReentrantLock lock, int partitions) {
        this.lock = lock;
        this.appended = lock.newCondition();
        this.rings = new Ring[io.socketserve.spi.Partitions.check(partitions)];
        for (int p = 0; p < rings.length; p++) {
            rings[p] = new Ring(p);
        }
    }

    /** One partition: a ring of records at positions head-size+1..head. */
    private static final class Ring {
        final int partition;
        LogRecord[] ring = new LogRecord[1024];
        long[] appendedAt = new long[1024]; // when each record was appended (epoch ms), same slots
        long head; // position of the newest record
        int size;
        long bytes; // sum of the kept records' entry lengths
        long maxBytes = Long.MAX_VALUE;
        long maxAgeMillis = Long.MAX_VALUE;

        Ring(int partition) {
            this.partition = partition;
        }

        long oldest() {
            return head - size + 1;
        }

        long append(byte[] entry) {
            long position = ++head;
            int slot = (int) (position % ring.length);
            if (size == ring.length) {
                bytes -= ring[slot].entry().length; // the oldest, overwritten
                size--;
            }
            long now = System.currentTimeMillis();
            ring[slot] = new LogRecord(partition, position, entry);
            appendedAt[slot] = now;
            size++;
            bytes += entry.length;
            long cutoff = maxAgeMillis == Long.MAX_VALUE ? Long.MIN_VALUE : now - maxAgeMillis;
            while (size > 1) {
                int oldest = (int) (oldest() % ring.length);
                if (bytes <= maxBytes && appendedAt[oldest] >= cutoff) {
                    break;
                }
                bytes -= ring[oldest].entry().length;
                ring[oldest] = null; // let the bytes go now, not when the slot is reused
                size--;
            }
            return position;
        }

        List<LogRecord> read(long afterPosition, int max) {
            long from = Math.max(afterPosition + 1, oldest());
            long to = Math.min(head, from + max - 1);
            if (to < from) {
                return List.of();
            }
            List<LogRecord> out = new ArrayList<>((int) (to - from + 1));
            for (long p = from; p <= to; p++) {
                out.add(ring[(int) (p % ring.length)]);
            }
            return out;
        }

        LogSlice readBefore(long beforePosition, int max) {
            long to = beforePosition <= 1 ? 0 : Math.min(head, beforePosition - 1);
            long from = Math.max(oldest(), to - max + 1);
            List<LogRecord> out = new ArrayList<>((int) Math.max(0, to - from + 1));
            for (long p = from; p <= to; p++) {
                out.add(ring[(int) (p % ring.length)]);
            }
            return new LogSlice(out, oldest(), head);
        }
    }

    @Override
    public int partitions() {
        return rings.length;
    }

    /** Sizes the rings and sets the bounds (each partition gets them all); fails if anything was appended already. */
    void start(LogRetention retention) {
        lock.lock();
        try {
            for (Ring r : rings) {
                if (r.size > 0) {
                    throw new IllegalStateException("already started");
                }
            }
            for (Ring r : rings) {
                r.ring = new LogRecord[retention.maxEntries()];
                r.appendedAt = new long[retention.maxEntries()];
                r.maxBytes = retention.maxBytes();
                r.maxAgeMillis = retention.maxAgeMillis();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends to {@code partition} under the lock; the caller holds it. Trims the oldest records of
     * that partition past any bound (count, bytes, age), never the one just appended.
     */
    long appendLocked(int partition, byte[] entry) {
        long position = ring(partition).append(entry);
        appended.signalAll();
        return position;
    }

    /** Appends to the partition of {@code key} ({@link io.socketserve.spi.Partitions}); the caller holds the lock. */
    long appendLocked(String key, byte[] entry) {
        return appendLocked(io.socketserve.spi.Partitions.of(key, rings.length), entry);
    }

    /** The bytes of entries kept in all partitions (what the byte bounds count); for tests. */
    long retainedBytes() {
        lock.lock();
        try {
            long sum = 0;
            for (Ring r : rings) {
                sum += r.bytes;
            }
            return sum;
        } finally {
            lock.unlock();
        }
    }

    /** The heads of all partitions; the caller holds the lock. */
    LogPosition headsLocked() {
        long[] heads = new long[rings.length];
        for (int p = 0; p < heads.length; p++) {
            heads[p] = rings[p].head;
        }
        return LogPosition.of(heads);
    }

    private Ring ring(int partition) {
        if (partition < 0 || partition >= rings.length) {
            throw new IllegalArgumentException("no partition " + partition + " (the log has " + rings.length + ")");
        }
        return rings[partition];
    }

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        return append(0, entry);
    }

    @Override
    public CompletionStage<Long> append(int partition, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        lock.lock();
        try {
            return done(appendLocked(partition, entry));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        return read(0, afterPosition, max);
    }

    @Override
    public CompletionStage<LogSlice> read(int partition, long afterPosition, int max) {
        lock.lock();
        try {
            Ring r = ring(partition);
            return done(new LogSlice(r.read(afterPosition, max), r.oldest(), r.head));
        } finally {
            lock.unlock();
        }
    }

    /** A reverse walk of the ring: O(max), the records are contiguous. */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        return readBefore(0, beforePosition, max);
    }

    @Override
    public CompletionStage<LogSlice> readBefore(int partition, long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        lock.lock();
        try {
            return done(ring(partition).readBefore(beforePosition, max));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> head() {
        return head(0);
    }

    @Override
    public CompletionStage<Long> head(int partition) {
        lock.lock();
        try {
            return done(ring(partition).head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<LogPosition> heads() {
        lock.lock();
        try {
            return done(headsLocked());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        long[] after = new long[rings.length];
        after[0] = afterPosition;
        if (rings.length > 1) {
            throw new IllegalStateException(
                    "this log has " + rings.length + " partitions: subscribe with a position for each");
        }
        return subscribe(after, listener);
    }

    @Override
    public LogSubscription subscribe(long[] afterPositions, LogListener listener) {
        if (afterPositions.length != rings.length) {
            throw new IllegalArgumentException(
                    afterPositions.length + " positions for " + rings.length + " partitions");
        }
        Subscription s = new Subscription(afterPositions.clone(), listener);
        subscriptions.add(s);
        s.thread.start();
        return s;
    }

    @Override
    public CompletionStage<Void> publishVolatile(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        for (Subscription s : subscriptions) {
            s.deliverVolatile(entry);
        }
        return done(null);
    }

    /** Wakes and stops every subscriber. */
    void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
        for (Subscription s : subscriptions) {
            s.close();
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** Feeds one listener from a daemon thread: each partition in order, in batches, partitions in turn. */
    private final class Subscription implements LogSubscription {
        private static final int BATCH = 1024;
        private final LogListener listener;
        private final Thread thread;
        private final Object delivery = new Object();
        private volatile boolean stopped;
        private final long[] positions;

        Subscription(long[] afterPositions, LogListener listener) {
            this.positions = afterPositions;
            this.listener = listener;
            this.thread = new Thread(this::run, "socket-serve-memory-log");
            this.thread.setDaemon(true);
        }

        private boolean behind() {
            for (int p = 0; p < rings.length; p++) {
                if (rings[p].head > positions[p]) {
                    return true;
                }
            }
            return false;
        }

        private void run() {
            while (!stopped) {
                List<List<LogRecord>> batches = new ArrayList<>(rings.length);
                long[] gapOldest = new long[rings.length];
                lock.lock();
                try {
                    while (!stopped && !closed && !behind()) {
                        appended.awaitUninterruptibly();
                    }
                    if (stopped || closed) {
                        return;
                    }
                    for (int p = 0; p < rings.length; p++) {
                        Ring r = rings[p];
                        gapOldest[p] = positions[p] + 1 < r.oldest() ? r.oldest() : -1;
                        batches.add(r.head > positions[p] ? r.read(positions[p], BATCH) : List.of());
                    }
                } finally {
                    lock.unlock();
                }
                for (int p = 0; p < rings.length; p++) {
                    List<LogRecord> batch = batches.get(p);
                    try {
                        // Delivery happens under a lock close() also takes, so that no listener call
                        // starts after close() has returned.
                        synchronized (delivery) {
                            if (stopped) {
                                return;
                            }
                            if (gapOldest[p] > 0) {
                                if (rings.length == 1) {
                                    listener.onGap(positions[p], gapOldest[p]);
                                } else {
                                    listener.onGap(p, positions[p], gapOldest[p]);
                                }
                            }
                            if (!batch.isEmpty()) {
                                positions[p] = batch.get(batch.size() - 1).position();
                                listener.onRecords(batch);
                            }
                        }
                    } catch (RuntimeException e) {
                        // A listener bug must not stop delivery to it; the engine's listener only enqueues.
                        Thread t = Thread.currentThread();
                        t.getUncaughtExceptionHandler().uncaughtException(t, e);
                    }
                }
            }
        }

        /** Hands a volatile entry over at once, from the caller's thread. */
        void deliverVolatile(byte[] entry) {
            if (stopped) {
                return;
            }
            try {
                listener.onVolatile(entry);
            } catch (RuntimeException e) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }

        @Override
        public void close() {
            synchronized (delivery) {
                stopped = true;
            }
            subscriptions.remove(this);
            lock.lock();
            try {
                appended.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
