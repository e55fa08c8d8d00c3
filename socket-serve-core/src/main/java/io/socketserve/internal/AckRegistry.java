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

    private record Pending(CompletableFuture<JsonNode> future, ScheduledFuture<?> timeout) {}

    AckRegistry(String instancePrefix, ScheduledExecutorService timer, Executor callbacks) {
        this.instancePrefix = instancePrefix;
        this.timer = timer;
        this.callbacks = callbacks;
    }

    /** Registers a request; returns its message id. */
    String register(String sessionId, String event, Duration timeout, CompletableFuture<JsonNode> future) {
        String messageId = instancePrefix + "-" + counter.incrementAndGet();
        ScheduledFuture<?> t = timer.schedule(
                () -> {
                    if (remove(sessionId, messageId) != null) {
                        callbacks.execute(() -> future.completeExceptionally(new AckTimeoutException(event, timeout)));
                    }
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        bySession.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).put(messageId, new Pending(future, t));
        return messageId;
    }

    /** Whether this instance is waiting for that answer. */
    boolean isLocal(String sessionId, String messageId) {
        Map<String, Pending> m = bySession.get(sessionId);
        return m != null && m.containsKey(messageId);
    }

    /** Completes a request with the client's answer; no-op if it is not waiting here. */
    void complete(String sessionId, String messageId, JsonNode answer) {
        Pending p = remove(sessionId, messageId);
        if (p != null) {
            p.timeout().cancel(false);
            callbacks.execute(() -> p.future().complete(answer));
        }
    }

    /** Fails a request (e.g. the emit could not be committed). */
    void fail(String sessionId, String messageId, Throwable error) {
        Pending p = remove(sessionId, messageId);
        if (p != null) {
            p.timeout().cancel(false);
            callbacks.execute(() -> p.future().completeExceptionally(error));
        }
    }

    /** Fails every request of a session that ended. */
    void failSession(String sessionId) {
        Map<String, Pending> m = bySession.remove(sessionId);
        if (m == null) {
            return;
        }
        for (Pending p : m.values()) {
            p.timeout().cancel(false);
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
