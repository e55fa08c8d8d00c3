package io.socketserve.internal;

import io.socketserve.AnyEventListener;
import io.socketserve.ConnectionListener;
import io.socketserve.ConnectionMiddleware;
import io.socketserve.DisconnectListener;
import io.socketserve.EventHandler;
import io.socketserve.EventMiddleware;
import io.socketserve.JoinAuthorizer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/** What one namespace (or one dynamic family of namespaces) runs: handlers, listeners, middleware. */
final class Handlers {

    /**
     * A registered handler: what runs, and what the application passed (a typed handler is wrapped
     * in a binding handler; {@code off(event, typedHandler)} finds it by the original).
     */
    record Registration(Object original, EventHandler handler) {}

    final ConcurrentHashMap<String, Registration> events = new ConcurrentHashMap<>();
    volatile @Nullable EventHandler unhandled;
    final List<AnyEventListener> anyListeners = new CopyOnWriteArrayList<>();
    final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    final List<DisconnectListener> disconnectListeners = new CopyOnWriteArrayList<>();
    final List<ConnectionMiddleware> connectionMiddleware = new CopyOnWriteArrayList<>();
    final List<EventMiddleware> eventMiddleware = new CopyOnWriteArrayList<>();
    volatile @Nullable JoinAuthorizer joinAuthorizer;

    /** The handler of {@code event}, else the {@code onUnhandled} fallback, else {@code null}. */
    @Nullable
    EventHandler handler(String event) {
        Registration r = events.get(event);
        return r != null ? r.handler() : unhandled;
    }

    /** Removes the handler of {@code event}; with {@code original}, only if it is that one. */
    void remove(String event, @Nullable Object original) {
        if (original == null) {
            events.remove(event);
        } else {
            events.computeIfPresent(event, (e, r) -> r.original() == original ? null : r);
        }
    }
}
