package io.socketserve.internal;

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

    final ConcurrentHashMap<String, EventHandler> events = new ConcurrentHashMap<>();
    volatile @Nullable EventHandler any;
    final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    final List<DisconnectListener> disconnectListeners = new CopyOnWriteArrayList<>();
    final List<ConnectionMiddleware> connectionMiddleware = new CopyOnWriteArrayList<>();
    final List<EventMiddleware> eventMiddleware = new CopyOnWriteArrayList<>();
    volatile @Nullable JoinAuthorizer joinAuthorizer;

    @Nullable
    EventHandler handler(String event) {
        EventHandler h = events.get(event);
        return h != null ? h : any;
    }
}
