package io.socketserve.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What one handler invocation carries: the session it runs for, the log appends it made, and how long
 * its answer may wait for them. The {@link io.socketserve.Socket}, {@link io.socketserve.Ack} and broadcast
 * operators handed to a handler are bound to it, so every emit made through them — from the handler's
 * thread or any other, until the handler returns — is committed to the log before the client's POST
 * is answered. That is what keeps a client's consecutive events ordered in the log as it sent them,
 * even when they land on different instances.
 *
 * <p>Emits made through the server ({@code server.to(room).emit(…)}) are not bound to any
 * invocation: they are committed in call order but the POST does not wait for them. Emits made after
 * the handler returned are waited for only if they are recorded while the answer is still waiting
 * for earlier appends; once the answer has left, nothing more is recorded.
 */
final class InvocationContext {

    private final String sessionId;
    private final Duration budget;
    private final long seq;
    private final java.util.concurrent.atomic.AtomicInteger appends = new java.util.concurrent.atomic.AtomicInteger();
    private final List<CompletableFuture<?>> writes = new ArrayList<>();
    private boolean answered;

    /** @param budget how long the answer may wait for the appends once the handler has returned */
    InvocationContext(String sessionId, Duration budget) {
        this(sessionId, budget, 0);
    }

    /**
     * @param seq the event's sequence number ({@code docs/protocol.md}), 0 if it has none: with one,
     *     each log append the invocation makes is numbered and appended at most once however often
     *     the event runs ({@link io.socketserve.spi.EventLedger#appendOnce})
     */
    InvocationContext(String sessionId, Duration budget, long seq) {
        this.sessionId = sessionId;
        this.budget = budget;
        this.seq = seq;
    }

    String sessionId() {
        return sessionId;
    }

    /** The event's sequence number, 0 if it has none. */
    long seq() {
        return seq;
    }

    /** The number of the invocation's next log append: 1, 2, … in call order. */
    int nextAppend() {
        return appends.incrementAndGet();
    }

    /** A log append of an event with a sequence number: what it takes to make it again. */
    record Append(int n, int partition, byte[] entry) {}

    private final List<Append> made = new ArrayList<>();
    private volatile @org.jspecify.annotations.Nullable TransportResponseHolder deferred;

    /** Records an append of this event (any thread), so that it can be made again ({@link #made}). */
    void recordAppend(int n, int partition, byte[] entry) {
        synchronized (made) {
            made.add(new Append(n, partition, entry));
        }
    }

    /** Every append recorded so far, in number order. */
    List<Append> made() {
        synchronized (made) {
            List<Append> out = new ArrayList<>(made);
            out.sort(java.util.Comparator.comparingInt(Append::n));
            return out;
        }
    }

    /**
     * The answer the handler produced although its appends were not confirmed in time: the
     * invocation finishes them in the background and then settles the event with it.
     */
    void defer(io.socketserve.transport.TransportResponse answer) {
        deferred = new TransportResponseHolder(answer);
    }

    io.socketserve.transport.@org.jspecify.annotations.Nullable TransportResponse deferred() {
        TransportResponseHolder d = deferred;
        return d == null ? null : d.response();
    }

    private record TransportResponseHolder(io.socketserve.transport.TransportResponse response) {}

    /** Records an append the answer must wait for (any thread); returns the stage. */
    <T> CompletionStage<T> track(CompletionStage<T> append) {
        synchronized (writes) {
            if (!answered) {
                writes.add(append.toCompletableFuture());
            }
        }
        return append;
    }

    /**
     * Waits, up to the budget counted from now (however long the handler ran), until every append
     * recorded so far is committed, including appends recorded while waiting; afterwards nothing more
     * is recorded. Throws what {@link Blocking} throws for a failed or late append.
     */
    void awaitWrites() {
        long deadlineMillis = System.currentTimeMillis() + budget.toMillis();
        int done = 0;
        while (true) {
            List<CompletableFuture<?>> pending;
            synchronized (writes) {
                if (done == writes.size()) {
                    answered = true;
                    return;
                }
                pending = new ArrayList<>(writes.subList(done, writes.size()));
                done = writes.size();
            }
            long left = Math.max(1, deadlineMillis - System.currentTimeMillis());
            Blocking.await(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)), Duration.ofMillis(left));
        }
    }

    /** Stops recording (the handler failed: its answer does not wait). */
    void abandon() {
        synchronized (writes) {
            answered = true;
        }
    }
}
