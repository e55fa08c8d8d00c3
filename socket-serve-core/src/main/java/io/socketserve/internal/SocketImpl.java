package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.BroadcastOperator;
import io.socketserve.DisconnectReason;
import io.socketserve.SessionData;
import io.socketserve.Socket;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A handle on a session; holds nothing that another instance could not rebuild. A socket handed to
 * a handler is bound to that handler's {@link InvocationContext}, so its emits (and those of the
 * operators it creates) are committed before the event's POST is answered.
 */
final class SocketImpl implements Socket {

    private final SocketServices services;
    private final SessionRecord record;
    private final @Nullable RemovedSession ended; // set in the disconnect handler
    private final @Nullable InvocationContext context;

    SocketImpl(SocketServices services, SessionRecord record, @Nullable InvocationContext context) {
        this(services, record, null, context);
    }

    private SocketImpl(
            SocketServices services,
            SessionRecord record,
            @Nullable RemovedSession ended,
            @Nullable InvocationContext context) {
        this.services = services;
        this.record = record;
        this.ended = ended;
        this.context = context;
    }

    static SocketImpl ended(SocketServices services, RemovedSession removed) {
        return new SocketImpl(services, removed.session(), removed, null);
    }

    @Override
    public String id() {
        return record.id();
    }

    @Override
    public String namespace() {
        return record.namespace();
    }

    @Override
    public boolean connected() {
        return ended == null;
    }

    @Override
    public Map<String, String> attributes() {
        return RemoteSocketImpl.applicationAttributes(record.attributes());
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        if (ended != null) {
            services.publisher.validateEvent(event);
            return CompletableFuture.completedFuture(null);
        }
        return services.publisher.publish(OutboundMessage.toSession(namespace(), id(), event, data, null), context);
    }

    @Override
    public CompletionStage<JsonNode> emitWithAck(String event, @Nullable Object data, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        if (ended != null) {
            answer.completeExceptionally(Blocking.disconnected());
            return answer;
        }
        String messageId = services.acks.register(id(), event, timeout, answer);
        services.publisher
                .publish(OutboundMessage.toSession(namespace(), id(), event, data, messageId), context)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        services.acks.fail(id(), messageId, Blocking.unwrap(e));
                    }
                });
        return answer;
    }

    @Override
    public <T> CompletionStage<T> emitWithAck(String event, @Nullable Object data, Duration timeout, Class<T> type) {
        Objects.requireNonNull(type, "type == null");
        return emitWithAck(event, data, timeout).thenApply(answer -> {
            try {
                return services.json.mapper().treeToValue(answer, type);
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                throw new io.socketserve.SocketServeException(
                        "invalid_payload", "the acknowledgement does not bind to " + type.getSimpleName(), 400, e);
            }
        });
    }

    @Override
    public CompletionStage<Void> joinAsync(String room) {
        if (ended != null) {
            return CompletableFuture.failedFuture(Blocking.disconnected());
        }
        try {
            services.roomKeys.key(namespace(), room);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // The authorizer is application code and may block: it runs on the handler executor.
        return CompletableFuture.runAsync(() -> services.namespaces.checkJoin(this, room), services.callbacks)
                .thenCompose(v -> services.onHandlers(services.membership.join(id(), namespace(), room)));
    }

    @Override
    public CompletionStage<Void> leaveAsync(String room) {
        if (ended != null) {
            try {
                services.roomKeys.key(namespace(), room);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(null);
        }
        return services.onHandlers(services.membership.leave(id(), namespace(), room));
    }

    @Override
    public CompletionStage<Set<String>> roomsAsync() {
        if (ended != null) {
            return CompletableFuture.completedFuture(rooms());
        }
        return services.onHandlers(services.membership.rooms(id(), namespace()));
    }

    @Override
    public CompletionStage<Void> trackAsync(String room, String userId, @Nullable Object state) {
        return CompletableFuture.runAsync(() -> track(room, userId, state), services.callbacks);
    }

    @Override
    public CompletionStage<Void> updatePresenceAsync(String room, @Nullable Object state) {
        return CompletableFuture.runAsync(() -> updatePresence(room, state), services.callbacks);
    }

    @Override
    public CompletionStage<Void> untrackAsync(String room) {
        if (ended != null) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return services.onHandlers(services.presence.untrack(id(), services.roomKeys.key(namespace(), room)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> disconnectAsync() {
        if (ended != null) {
            return CompletableFuture.completedFuture(null);
        }
        return services.onHandlers(
                services.sessions.end(id(), DisconnectReason.SERVER_DISCONNECT).thenApply(removed -> null));
    }

    @Override
    public void join(String room) {
        if (ended != null) {
            throw Blocking.disconnected();
        }
        services.roomKeys.key(namespace(), room);
        services.namespaces.checkJoin(this, room);
        services.blocking.get(services.membership.join(id(), namespace(), room));
    }

    @Override
    public void leave(String room) {
        if (ended != null) {
            services.roomKeys.key(namespace(), room);
            return; // already out of every room
        }
        services.blocking.get(services.membership.leave(id(), namespace(), room));
    }

    @Override
    public void track(String room, String userId, @Nullable Object state) {
        join(room);
        services.presence.track(id(), namespace(), room, userId, state);
    }

    @Override
    public void updatePresence(String room, @Nullable Object state) {
        if (ended != null) {
            throw Blocking.disconnected();
        }
        services.presence.update(id(), namespace(), room, state);
    }

    @Override
    public void untrack(String room) {
        String key = services.roomKeys.key(namespace(), room);
        if (ended == null) {
            services.blocking.get(services.presence.untrack(id(), key));
        }
    }

    @Override
    public Set<String> rooms() {
        if (ended != null) {
            Set<String> out = new LinkedHashSet<>();
            for (String key : ended.rooms()) {
                out.add(RoomKeys.roomName(namespace(), key));
            }
            return out;
        }
        return services.blocking.get(services.membership.rooms(id(), namespace()));
    }

    @Override
    public CompletionStage<Void> broadcastToRoom(String room, String event, @Nullable Object data) {
        return services.publisher.publish(
                OutboundMessage.toRoom(namespace(), services.roomKeys.key(namespace(), room), event, data, id()),
                context);
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        return BroadcastOperatorImpl.fromSocket(services, namespace(), id(), context)
                .to(rooms);
    }

    @Override
    public BroadcastOperator broadcast() {
        return BroadcastOperatorImpl.fromSocket(services, namespace(), id(), context);
    }

    @Override
    public SessionData data() {
        return new SessionDataImpl(services, id(), ended == null ? null : ended.data());
    }

    @Override
    public void disconnect() {
        if (ended == null) {
            services.blocking.get(services.sessions.end(id(), DisconnectReason.SERVER_DISCONNECT));
        }
    }

    @Override
    public String toString() {
        return "Socket[" + id() + (ended == null ? "" : ", disconnected") + "]";
    }
}
