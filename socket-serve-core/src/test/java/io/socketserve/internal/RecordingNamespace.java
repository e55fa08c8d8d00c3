package io.socketserve.internal;

import io.socketserve.Ack;
import io.socketserve.BroadcastOperator;
import io.socketserve.ConnectionListener;
import io.socketserve.ConnectionMiddleware;
import io.socketserve.DisconnectListener;
import io.socketserve.DisconnectReason;
import io.socketserve.EventHandler;
import io.socketserve.EventMiddleware;
import io.socketserve.JoinAuthorizer;
import io.socketserve.Namespace;
import io.socketserve.PresenceEntry;
import io.socketserve.Socket;
import io.socketserve.TypedEventHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Namespace} that only records what is registered on it, for unit tests of {@code
 * register(Object)}: the handlers can then be called directly with a {@link #socket} stub and a
 * {@link RecordingAck}. Everything but registration throws.
 */
final class RecordingNamespace implements Namespace {

    /** A typed registration: the class the payload binds to and the handler. */
    record Typed(Class<?> type, TypedEventHandler<?> handler) {
        /** Calls the handler with an already bound payload. */
        @SuppressWarnings("unchecked")
        void call(Socket socket, Object payload, Ack ack) throws Exception {
            ((TypedEventHandler<Object>) handler).onEvent(socket, payload, ack);
        }
    }

    final Map<String, EventHandler> untyped = new LinkedHashMap<>();
    final Map<String, Typed> typed = new LinkedHashMap<>();
    final List<ConnectionListener> connections = new ArrayList<>();
    final List<DisconnectListener> disconnects = new ArrayList<>();

    /** A socket stub whose {@code id()} is {@code id}; every other method throws. */
    static Socket socket(String id) {
        return (Socket) Proxy.newProxyInstance(
                Socket.class.getClassLoader(), new Class<?>[] {Socket.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "id":
                        case "toString":
                            return id;
                        case "hashCode":
                            return id.hashCode();
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** Records answers; {@link #requested()} as given. */
    static final class RecordingAck implements Ack {
        final boolean requested;
        final List<@Nullable Object> sent = new ArrayList<>();

        RecordingAck(boolean requested) {
            this.requested = requested;
        }

        @Override
        public void send(@Nullable Object response) {
            sent.add(response);
        }

        @Override
        public boolean requested() {
            return requested;
        }
    }

    /** Every registered event name, untyped and typed. */
    Set<String> events() {
        Set<String> all = new java.util.TreeSet<>(untyped.keySet());
        all.addAll(typed.keySet());
        return all;
    }

    void connect(Socket socket) throws Exception {
        for (ConnectionListener l : connections) {
            l.onConnection(socket);
        }
    }

    void disconnect(Socket socket, DisconnectReason reason) throws Exception {
        for (DisconnectListener l : disconnects) {
            l.onDisconnect(socket, reason);
        }
    }

    @Override
    public String name() {
        return "/recording";
    }

    @Override
    public Namespace on(String event, EventHandler handler) {
        untyped.put(event, handler);
        return this;
    }

    @Override
    public <T> Namespace on(String event, Class<T> type, TypedEventHandler<T> handler) {
        typed.put(event, new Typed(type, handler));
        return this;
    }

    @Override
    public Namespace off(String event) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace off(String event, Object handler) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace onAny(io.socketserve.AnyEventListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace offAny(io.socketserve.AnyEventListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace onUnhandled(EventHandler handler) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace onConnection(ConnectionListener listener) {
        connections.add(listener);
        return this;
    }

    @Override
    public Namespace onDisconnect(DisconnectListener listener) {
        disconnects.add(listener);
        return this;
    }

    @Override
    public Namespace use(ConnectionMiddleware middleware) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace useEvents(EventMiddleware middleware) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Namespace authorizeJoin(JoinAuthorizer authorizer) {
        throw new UnsupportedOperationException();
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        throw new UnsupportedOperationException();
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> roomMembers(String room) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long roomSize(String room) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<PresenceEntry> presence(String room) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long presenceCount(String room) {
        throw new UnsupportedOperationException();
    }
}
