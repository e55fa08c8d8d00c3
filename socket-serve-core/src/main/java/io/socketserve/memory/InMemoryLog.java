package io.socketserve.memory;

import io.socketserve.spi.LogListener;
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
 * The {@link LogStore} of {@link InMemoryBackend}: a ring buffer of {@code maxEntries} records
 * behind the backend's one lock, trimmed further by bytes and age ({@link LogRetention}), and one
 * daemon thread per subscriber.
 *
 * <p>The other parts append under the same lock ({@link #appendLocked}), which is what makes a
 * membership change or a removal and its entry one atomic step.
 */
final class InMemoryLog implements LogStore {

    private final ReentrantLock lock;
    private final Condition appended;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    private LogRecord[] ring = new LogRecord[1024];
    private long[] appendedAt = new long[1024]; // when each record was appended (epoch ms), same slots
    private long head; // position of the newest record; records are at positions head-size+1..head
    private int size;
    private long bytes; // sum of the kept records' entry lengths
    private long maxBytes = Long.MAX_VALUE;
    private long maxAgeMillis = Long.MAX_VALUE;
    private boolean closed;

    InMemoryLog(ReentrantLock lock) {
        this.lock = lock;
        this.appended = lock.newCondition();
    }

    /** Sizes the ring and sets the bounds; fails if anything was appended already. */
    void start(LogRetention retention) {
        lock.lock();
        try {
            if (size > 0) {
                throw new IllegalStateException("already started");
            }
            ring = new LogRecord[retention.maxEntries()];
            appendedAt = new long[retention.maxEntries()];
            maxBytes = retention.maxBytes();
            maxAgeMillis = retention.maxAgeMillis();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends under the lock; the caller holds it. Trims the oldest records past any bound (count,
     * bytes, age), never the one just appended.
     */
    long appendLocked(byte[] entry) {
        long position = ++head;
        int slot = (int) (position % ring.length);
        if (size == ring.length) {
            bytes -= ring[slot].entry().length; // the oldest, overwritten
            size--;
        }
        long now = System.currentTimeMillis();
        ring[slot] = new LogRecord(position, entry);
        appendedAt[slot] = now;
        size++;
        bytes += entry.length;
        long cutoff = maxAgeMillis == Long.MAX_VALUE ? Long.MIN_VALUE : now - maxAgeMillis;
        while (size > 1) {
            int oldest = (int) (oldestLocked() % ring.length);
            if (bytes <= maxBytes && appendedAt[oldest] >= cutoff) {
                break;
            }
            bytes -= ring[oldest].entry().length;
            ring[oldest] = null; // let the bytes go now, not when the slot is reused
            size--;
        }
        appended.signalAll();
        return position;
    }

    /** The bytes of entries kept (what the byte bound counts); for tests. */
    long retainedBytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /** The head; the caller holds the lock. */
    long headLocked() {
        return head;
    }

    private long oldestLocked() {
        return head - size + 1;
    }

    @Override
    public CompletionStage<Long> append(byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        lock.lock();
        try {
            return done(appendLocked(entry));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<LogSlice> read(long afterPosition, int max) {
        lock.lock();
        try {
            return done(new LogSlice(readLocked(afterPosition, max), oldestLocked(), head));
        } finally {
            lock.unlock();
        }
    }

    private List<LogRecord> readLocked(long afterPosition, int max) {
        long from = Math.max(afterPosition + 1, oldestLocked());
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

    /** A reverse walk of the ring: O(max), the records are contiguous. */
    @Override
    public CompletionStage<LogSlice> readBefore(long beforePosition, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        lock.lock();
        try {
            long to = beforePosition <= 1 ? 0 : Math.min(head, beforePosition - 1);
            long from = Math.max(oldestLocked(), to - max + 1);
            List<LogRecord> out = new ArrayList<>((int) Math.max(0, to - from + 1));
            for (long p = from; p <= to; p++) {
                out.add(ring[(int) (p % ring.length)]);
            }
            return done(new LogSlice(out, oldestLocked(), head));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Long> head() {
        lock.lock();
        try {
            return done(head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogSubscription subscribe(long afterPosition, LogListener listener) {
        Subscription s = new Subscription(afterPosition, listener);
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

    /** Feeds one listener from a daemon thread, in order, in batches. */
    private final class Subscription implements LogSubscription {
        private static final int BATCH = 1024;
        private final LogListener listener;
        private final Thread thread;
        private final Object delivery = new Object();
        private volatile boolean stopped;
        private long position;

        Subscription(long afterPosition, LogListener listener) {
            this.position = afterPosition;
            this.listener = listener;
            this.thread = new Thread(this::run, "socket-serve-memory-log");
            this.thread.setDaemon(true);
        }

        private void run() {
            while (!stopped) {
                List<LogRecord> batch;
                long gapOldest = -1;
                lock.lock();
                try {
                    while (!stopped && !closed && head <= position) {
                        appended.awaitUninterruptibly();
                    }
                    if (stopped || closed) {
                        return;
                    }
                    if (position + 1 < oldestLocked()) {
                        gapOldest = oldestLocked();
                    }
                    batch = readLocked(position, BATCH);
                } finally {
                    lock.unlock();
                }
                try {
                    // Delivery happens under a lock close() also takes, so that no listener call
                    // starts after close() has returned.
                    synchronized (delivery) {
                        if (stopped) {
                            return;
                        }
                        if (gapOldest > 0) {
                            listener.onGap(position, gapOldest);
                        }
                        if (!batch.isEmpty()) {
                            position = batch.get(batch.size() - 1).position();
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
