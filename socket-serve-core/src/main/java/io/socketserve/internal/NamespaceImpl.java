package io.socketserve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.AnyEventListener;
import io.socketserve.BroadcastOperator;
import io.socketserve.ConnectionListener;
import io.socketserve.ConnectionMiddleware;
import io.socketserve.DisconnectListener;
import io.socketserve.EventHandler;
import io.socketserve.EventMiddleware;
import io.socketserve.JoinAuthorizer;
import io.socketserve.Namespace;
import io.socketserve.SocketServeException;
import io.socketserve.TypedEventHandler;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A namespace: a name plus the {@link Handlers} it runs. Children of a dynamic namespace share
 * their parent's handlers; a dynamic parent itself has a matcher and no rooms.
 */
final class NamespaceImpl implements Namespace {

    private final SocketServices services;
    private final String name;
    final Handlers handlers;
    final @Nullable Predicate<String> matcher;

    NamespaceImpl(SocketServices services, String name, Handlers handlers, @Nullable Predicate<String> matcher) {
        this.services = services;
        this.name = name;
        this.handlers = handlers;
        this.matcher = matcher;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Namespace on(String event, EventHandler handler) {
        Objects.requireNonNull(event, "event == null");
        Objects.requireNonNull(handler, "handler == null");
        handlers.events.put(event, new Handlers.Registration(handler, handler));
        return this;
    }

    @Override
    public <T> Namespace on(String event, Class<T> type, TypedEventHandler<T> handler) {
        Objects.requireNonNull(type, "type == null");
        Objects.requireNonNull(handler, "handler == null");
        Objects.requireNonNull(event, "event == null");
        EventHandler binding = (socket, data, ack) -> handler.onEvent(socket, bind(event, data, type), ack);
        handlers.events.put(event, new Handlers.Registration(handler, binding));
        return this;
    }

    @Override
    public Namespace off(String event) {
        handlers.remove(Objects.requireNonNull(event, "event == null"), null);
        return this;
    }

    @Override
    public Namespace off(String event, Object handler) {
        handlers.remove(
                Objects.requireNonNull(event, "event == null"), Objects.requireNonNull(handler, "handler == null"));
        return this;
    }

    @Override
    public Namespace onUnhandled(EventHandler handler) {
        handlers.unhandled = Objects.requireNonNull(handler, "handler == null");
        return this;
    }

    @Override
    public Namespace offAny(AnyEventListener listener) {
        handlers.anyListeners.remove(Objects.requireNonNull(listener, "listener == null"));
        return this;
    }

    private <T> T bind(String event, JsonNode data, Class<T> type) {
        T value = convert(event, data, type);
        services.payloadValidator.validate(event, value);
        return value;
    }

    private <T> T convert(String event, JsonNode data, Class<T> type) {
        try {
            T value = services.json.mapper().treeToValue(data, type);
            if (value == null) {
                throw new SocketServeException(
                        "invalid_payload",
                        "payload of '" + event + "' must be a " + type.getSimpleName() + ", got null",
                        400);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new SocketServeException(
                    "invalid_payload",
                    "payload of '" + event + "' does not bind to " + type.getSimpleName() + ": "
                            + e.getOriginalMessage(),
                    400);
        } catch (IllegalArgumentException e) {
            throw new SocketServeException(
                    "invalid_payload", "payload of '" + event + "' does not bind to " + type.getSimpleName(), 400);
        }
    }

    @Override
    public Namespace onAny(AnyEventListener listener) {
        handlers.anyListeners.add(Objects.requireNonNull(listener, "listener == null"));
        return this;
    }

    @Override
    public Namespace onConnection(ConnectionListener listener) {
        handlers.connectionListeners.add(Objects.requireNonNull(listener, "listener == null"));
        return this;
    }

    @Override
    public Namespace onDisconnect(DisconnectListener listener) {
        handlers.disconnectListeners.add(Objects.requireNonNull(listener, "listener == null"));
        return this;
    }

    @Override
    public Namespace use(ConnectionMiddleware middleware) {
        handlers.connectionMiddleware.add(Objects.requireNonNull(middleware, "middleware == null"));
        return this;
    }

    @Override
    public Namespace useEvents(EventMiddleware middleware) {
        handlers.eventMiddleware.add(Objects.requireNonNull(middleware, "middleware == null"));
        return this;
    }

    @Override
    public Namespace authorizeJoin(JoinAuthorizer authorizer) {
        handlers.joinAuthorizer = Objects.requireNonNull(authorizer, "authorizer == null");
        return this;
    }

    private void requireConcrete() {
        if (matcher != null) {
            throw new IllegalStateException(
                    "a dynamic namespace has no rooms of its own; use server.of(\"/concrete-name\")");
        }
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        requireConcrete();
        return BroadcastOperatorImpl.server(services, name).to(rooms);
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        requireConcrete();
        return BroadcastOperatorImpl.server(services, name).except(rooms);
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        requireConcrete();
        return BroadcastOperatorImpl.server(services, name).emit(event, data);
    }

    @Override
    public Set<String> roomMembers(String room) {
        requireConcrete();
        return new HashSet<>(services.blocking.get(services.backend.roomMembers(services.roomKeys.key(name, room))));
    }

    @Override
    public long roomSize(String room) {
        requireConcrete();
        return services.blocking.get(services.backend.roomSize(services.roomKeys.key(name, room)));
    }

    @Override
    public java.util.List<io.socketserve.PresenceEntry> presence(String room) {
        requireConcrete();
        return services.presence.members(services.roomKeys.key(name, room));
    }

    @Override
    public long presenceCount(String room) {
        requireConcrete();
        return services.presence.count(services.roomKeys.key(name, room));
    }

    @Override
    public CompletionStage<java.util.List<io.socketserve.RoomMessage>> history(
            String room, int limit, String... events) {
        requireConcrete();
        Objects.requireNonNull(events, "events == null");
        Set<String> wanted = new HashSet<>();
        for (String event : events) {
            wanted.add(Objects.requireNonNull(event, "event == null"));
        }
        return services.history.read(services.roomKeys.key(name, room), limit, wanted);
    }

    @Override
    public CompletionStage<Set<String>> roomMembersAsync(String room) {
        requireConcrete();
        return services.onHandlers(
                services.backend.roomMembers(services.roomKeys.key(name, room)).thenApply(HashSet::new));
    }

    @Override
    public CompletionStage<Long> roomSizeAsync(String room) {
        requireConcrete();
        return services.onHandlers(services.backend.roomSize(services.roomKeys.key(name, room)));
    }

    @Override
    public CompletionStage<java.util.List<io.socketserve.PresenceEntry>> presenceAsync(String room) {
        requireConcrete();
        String key = services.roomKeys.key(name, room);
        return CompletableFuture.supplyAsync(() -> services.presence.members(key), services.callbacks);
    }

    @Override
    public CompletionStage<Long> presenceCountAsync(String room) {
        requireConcrete();
        String key = services.roomKeys.key(name, room);
        return CompletableFuture.supplyAsync(() -> services.presence.count(key), services.callbacks);
    }

    @Override
    public String toString() {
        return "Namespace[" + name + "]";
    }
}
