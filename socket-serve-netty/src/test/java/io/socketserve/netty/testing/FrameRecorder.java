package io.socketserve.netty.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Queues the frames a client receives, in arrival order, and lets a test take them out: in order
 * ({@link #next}, {@link #assertEvent}) or by matching ({@link #await}, which leaves the others
 * queued). Everything ever received also stays in {@link #history()}. Thread-safe.
 */
public final class FrameRecorder {

    /** Default wait for an expected frame. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final List<ReceivedFrame> pending = new ArrayList<>();
    private final List<ReceivedFrame> history = new ArrayList<>();

    synchronized void add(ReceivedFrame frame) {
        pending.add(frame);
        history.add(frame);
        notifyAll();
    }

    /** The next queued frame, waiting up to {@code timeout}; fails if none arrives. */
    public synchronized ReceivedFrame next(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.isEmpty()) {
            waitUntil(deadline, "any frame within " + timeout.toMillis() + " ms");
        }
        return pending.remove(0);
    }

    /** The first queued frame that matches, waiting up to {@code timeout}; other frames stay queued. */
    public synchronized ReceivedFrame await(Predicate<ReceivedFrame> match, String description, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Iterator<ReceivedFrame> it = pending.iterator(); it.hasNext(); ) {
                ReceivedFrame f = it.next();
                if (match.test(f)) {
                    it.remove();
                    return f;
                }
            }
            waitUntil(deadline, description + " within " + timeout.toMillis() + " ms");
        }
    }

    /** The first queued frame of event {@code name} (others stay queued). */
    public ReceivedFrame awaitEvent(String name, Duration timeout) {
        return await(f -> f.event().equals(name), "event '" + name + "'", timeout);
    }

    /** {@code count} frames of event {@code name}, in arrival order. */
    public List<ReceivedFrame> awaitEvents(String name, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ReceivedFrame> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                out.add(awaitEvent(name, Duration.ofNanos(left)));
            } catch (AssertionError e) {
                throw new AssertionError(
                        "got " + i + " of " + count + " '" + name + "' frames; queued: " + snapshot(), e);
            }
        }
        return out;
    }

    /** Takes the next frame and asserts it is event {@code name}. */
    public ReceivedFrame assertEvent(String name) {
        ReceivedFrame f = next(DEFAULT_TIMEOUT);
        if (!f.event().equals(name)) {
            throw new AssertionError("expected event '" + name + "' but got " + f);
        }
        return f;
    }

    /** Asserts nothing is queued. */
    public synchronized void assertExhausted() {
        if (!pending.isEmpty()) {
            throw new AssertionError("expected no more frames but got " + pending);
        }
    }

    /** The frames still queued (a copy). */
    public synchronized List<ReceivedFrame> snapshot() {
        return new ArrayList<>(pending);
    }

    /** Drops every queued frame. */
    public synchronized void clear() {
        pending.clear();
    }

    /** Every frame received so far, in order (a copy). */
    public synchronized List<ReceivedFrame> history() {
        return new ArrayList<>(history);
    }

    private void waitUntil(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError("timed out waiting for " + what + "; queued: " + pending);
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
