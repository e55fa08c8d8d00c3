package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.AckTimeoutException;
import io.socketserve.SocketServeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Server→client acknowledgement requests waiting on this instance. A request is keyed by the session
 * and a message id unique to this instance; the answer is accepted only from that same session (the
 * replying client is authenticated), so nobody can answer another client's request.
 */
final class AckRegistry {

    private final ConcurrentHashMap<String, Map<String, Pending>> bySession = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    private final String instancePrefix;
    private final ScheduledExecutorService timer;
    private final Executor callbacks;

    /** One request; its timer is armed only after it is published (see {@link #register}). */
    private static final class Pending {
        private final CompletableFuture<JsonNode> future;
        private final long startNanos = System.nanoTime();

        @org.jspecify.annotations.Nullable
        private volatile ScheduledFuture<?> timer;

        Pending(CompletableFuture<JsonNode> future) {
            this.future = future;
        }

        CompletableFuture<JsonNode> future() {
            return future;
        }

        /** Cancels the timer if it is armed already; a later one finds the request gone and does nothing. */
        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    private final EngineStats stats;

    AckRegistry(String instancePrefix, ScheduledExecutorService timer, Executor callbacks, EngineStats stats) {
        this.stats = stats;
        this.instancePrefix = instancePrefix;
        this.timer = timer;
        this.callbacks = callbacks;
    }

    /**
     * Registers a request; returns its message id. The request is published before its timer is
     * armed, so the timer always finds it (or finds it answered already), however short the timeout;
     * and it is added to its session's map inside the same atomic step that creates the map, so it
     * cannot land in a map that the last answer of the session has just dropped.
     */
    String register(String sessionId, String event, Duration timeout, CompletableFuture<JsonNode> future) {
        String messageId = instancePrefix + "-" + counter.incrementAndGet();
        Pending pending = new Pending(future);
        bySession.compute(sessionId, (k, m) -> {
            Map<String, Pending> requests = m == null ? new ConcurrentHashMap<>() : m;
            requests.put(messageId, pending);
            return requests;
        });
        pending.timer = timer.schedule(
                () -> {
                    if (remove(sessionId, messageId) != null) {
                        stats.ackTimeouts.increment();
                        callbacks.execute(() -> future.completeExceptionally(new AckTimeoutException(event, timeout)));
                    }
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        Map<String, Pending> m = bySession.get(sessionId);
        if (m == null || m.get(messageId) != pending) {
            pending.cancelTimer(); // answered while the timer was being armed
        }
        return messageId;
    }

    /** Whether this instance is waiting for that answer. */
    boolean isLocal(String sessionId, String messageId) {
        Map<String, Pending> m = bySession.get(sessionId);
        if (m != null && m.containsKey(messageId)) {
            return true;
        }
        BroadcastPending b = broadcasts.get(messageId);
        return b != null && b.waitsFor(sessionId);
    }

    // ------------------------------------------------------------------------- broadcast acks

    private final ConcurrentHashMap<String, BroadcastPending> broadcasts = new ConcurrentHashMap<>();

    /**
     * Answers to one broadcast, expected from a known set of sessions. Completed by the last expected
     * answer, by the last expected session ending, or by its timer with the answers so far.
     */
    private final class BroadcastPending {
        final String messageId;
        final String event;
        final Duration timeout;
        final java.util.Set<String> waiting;
        final int expected;
        final java.util.List<JsonNode> answers = new java.util.ArrayList<>();
        final CompletableFuture<java.util.List<JsonNode>> future;
        final long startNanos = System.nanoTime();

        @org.jspecify.annotations.Nullable
        ScheduledFuture<?> timer;

        BroadcastPending(
                String messageId,
                String event,
                Duration timeout,
                java.util.Collection<String> recipients,
                CompletableFuture<java.util.List<JsonNode>> future) {
            this.messageId = messageId;
            this.event = event;
            this.timeout = timeout;
            this.waiting = new java.util.HashSet<>(recipients);
            this.expected = waiting.size();
            this.future = future;
        }

        synchronized boolean waitsFor(String sessionId) {
            return waiting.contains(sessionId);
        }

        /** Records an answer ({@code null}: the session ended without one); completes when none is left. */
        void answer(String sessionId, @org.jspecify.annotations.Nullable JsonNode answer) {
            java.util.List<JsonNode> done;
            synchronized (this) {
                if (!waiting.remove(sessionId)) {
                    return;
                }
                if (answer != null) {
                    answers.add(answer);
                    stats.ackLatency.since(startNanos);
                }
                if (!waiting.isEmpty()) {
                    return;
                }
                done = java.util.List.copyOf(answers);
            }
            finish(() -> future.complete(done));
        }

        void expire() {
            java.util.List<JsonNode> partial;
            synchronized (this) {
                partial = java.util.List.copyOf(answers);
            }
            stats.ackTimeouts.increment();
            finish(() -> future.completeExceptionally(
                    new io.socketserve.BroadcastAckTimeoutException(event, timeout, partial, expected)));
        }

        private void finish(Runnable completion) {
            if (broadcasts.remove(messageId, this)) {
                ScheduledFuture<?> t = timer;
                if (t != null) {
                    t.cancel(false);
                }
                callbacks.execute(completion);
            }
        }
    }

    /**
     * Registers a broadcast waiting for answers from {@code recipients}; returns its message id. The
     * pending entry is published before its timer is armed, so the timer always finds it.
     */
    String registerBroadcast(
            String event,
            Duration timeout,
            java.util.Collection<String> recipients,
            CompletableFuture<java.util.List<JsonNode>> future) {
        String messageId = instancePrefix + "-b" + counter.incrementAndGet();
        BroadcastPending pending = new BroadcastPending(messageId, event, timeout, recipients, future);
        if (recipients.isEmpty()) {
            callbacks.execute(() -> future.complete(java.util.List.of()));
            return messageId;
        }
        broadcasts.put(messageId, pending);
        pending.timer = timer.schedule(pending::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return messageId;
    }

    /** The broadcast could not be sent: fail it. */
    void failBroadcast(String messageId, Throwable error) {
        BroadcastPending p = broadcasts.remove(messageId);
        if (p != null) {
            ScheduledFuture<?> t = p.timer;
            if (t != null) {
                t.cancel(false);
            }
            callbacks.execute(() -> p.future.completeExceptionally(error));
        }
    }

    /** Completes a request with the client's answer; no-op if it is not waiting here. */
    void complete(String sessionId, String messageId, JsonNode answer) {
        BroadcastPending b = broadcasts.get(messageId);
        if (b != null) {
            b.answer(sessionId, answer);
            return;
        }
        Pending p = remove(sessionId, messageId);
        if (p != null) {
            p.cancelTimer();
            stats.ackLatency.since(p.startNanos);
            callbacks.execute(() -> p.future().complete(answer));
        }
    }

    /** Fails a request (e.g. the emit could not be committed). */
    void fail(String sessionId, String messageId, Throwable error) {
        Pending p = remove(sessionId, messageId);
        if (p != null) {
            p.cancelTimer();
            callbacks.execute(() -> p.future().completeExceptionally(error));
        }
    }

    /** Fails every request of a session that ended. */
    void failSession(String sessionId) {
        for (BroadcastPending b : broadcasts.values()) {
            b.answer(sessionId, null);
        }
        Map<String, Pending> m = bySession.remove(sessionId);
        if (m == null) {
            return;
        }
        for (Pending p : m.values()) {
            p.cancelTimer();
            callbacks.execute(() -> p.future()
                    .completeExceptionally(new SocketServeException(
                            "disconnected", "the socket disconnected before acknowledging", 410)));
        }
    }

    private Pending remove(String sessionId, String messageId) {
        Pending[] out = new Pending[1];
        bySession.computeIfPresent(sessionId, (k, m) -> {
            out[0] = m.remove(messageId);
            return m.isEmpty() ? null : m;
        });
        return out[0];
    }
}
