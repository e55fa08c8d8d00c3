package io.socketserve.servlet.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that write event streams: a fixed few (by default one per core), whatever the number
 * of open streams. The engine's dispatcher only queues a frame on a stream and, if that stream is
 * not already waiting for its writer, hands the stream over; the writer then writes everything the
 * stream has queued by then as one buffer and flushes once. Under load, frames that arrive while a
 * stream waits are coalesced into that one write, so the number of writes and flushes grows with
 * the number of streams, not with the number of frames.
 *
 * <p>Each stream is bound to one writer for its whole life, and only that thread writes to it: the
 * container's {@code onWritePossible} callbacks hand the stream back to its writer.
 *
 * <p>Hand-over as in the Netty transport's {@code LoopWriter}: an array that producers append to
 * under a lock, and a spare that the writer swaps in, so that nothing is allocated per hand-over.
 */
public final class StreamWriters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamWriters.class);

    private final Writer[] writers;
    private final AtomicInteger next = new AtomicInteger();

    /** Starts {@code threads} writer threads (daemons) named after {@code name}. */
    public StreamWriters(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads < 1: " + threads);
        }
        writers = new Writer[threads];
        for (int i = 0; i < threads; i++) {
            writers[i] = new Writer();
            Thread t = new Thread(writers[i], name + "-" + i);
            t.setDaemon(true);
            writers[i].thread = t;
            t.start();
        }
    }

    /** The number of writer threads for this machine: one per core, at most 4. */
    public static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** The writer a new stream is bound to (round robin). */
    Writer assign() {
        return writers[Math.floorMod(next.getAndIncrement(), writers.length)];
    }

    /**
     * Stops the threads once they have written what was handed to them before; streams handed over
     * afterwards are not written to any more.
     */
    @Override
    public void close() {
        for (Writer w : writers) {
            w.stop();
        }
        // Let them finish (a container warns about threads a web application leaves running).
        for (Writer w : writers) {
            try {
                w.thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One writer thread and its hand-over arrays. */
    static final class Writer implements Runnable {

        private static final int INITIAL_CAPACITY = 256;
        private static final int MAX_RETAINED_CAPACITY = 1 << 16;
        /** How long an idle writer spins for more work before it parks. */
        private static final long SPIN_NANOS = 20_000;

        private final Object lock = new Object();
        // guarded by lock
        private ServletStreamSink[] pending = new ServletStreamSink[INITIAL_CAPACITY];
        /** Written under lock; read without it while spinning. */
        private volatile int size;

        private boolean stopped;
        private boolean parked;
        // writer thread only
        private ServletStreamSink[] spare = new ServletStreamSink[INITIAL_CAPACITY];
        private volatile Thread thread = Thread.currentThread();

        /** Asks this writer to write {@code sink}'s queue (any thread). */
        void schedule(ServletStreamSink sink) {
            boolean wake;
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                int n = size;
                if (n == pending.length) {
                    pending = Arrays.copyOf(pending, n * 2);
                }
                pending[n] = sink;
                size = n + 1;
                wake = parked;
                parked = false;
            }
            if (wake) {
                LockSupport.unpark(thread);
            }
        }

        void stop() {
            synchronized (lock) {
                stopped = true;
                parked = false;
            }
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            boolean spun = false;
            while (true) {
                ServletStreamSink[] batch;
                int n;
                synchronized (lock) {
                    n = size;
                    if (n == 0 && stopped) {
                        return; // what was handed over before stop() is written first
                    }
                    if (n == 0 && spun) {
                        parked = true; // producers unpark from now on
                    } else if (n > 0) {
                        // Swap: producers append to the spare while this batch is written.
                        batch = pending;
                        pending = spare;
                        spare = batch;
                        size = 0;
                    }
                }
                if (n == 0) {
                    if (spun) {
                        spun = false;
                        LockSupport.park(this);
                    } else {
                        // A broadcast hands streams over one by one: spin briefly for the next
                        // before parking, so that the dispatcher does not pay an unpark per stream.
                        long spinUntil = System.nanoTime() + SPIN_NANOS;
                        while (size == 0 && System.nanoTime() < spinUntil) {
                            Thread.onSpinWait();
                        }
                        spun = true;
                    }
                    continue;
                }
                spun = false;
                batch = spare;
                for (int i = 0; i < n; i++) {
                    ServletStreamSink sink = batch[i];
                    batch[i] = null;
                    try {
                        sink.writeScheduled();
                    } catch (RuntimeException | Error e) {
                        log.error("stream writer failed on a stream", e);
                    }
                }
                if (batch.length > MAX_RETAINED_CAPACITY) {
                    spare = new ServletStreamSink[INITIAL_CAPACITY];
                }
            }
        }
    }
}
