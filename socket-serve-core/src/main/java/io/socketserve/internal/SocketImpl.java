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
        return record.attributes();
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
        return new SessionDataImpl(
                services.backend, services.json, services.blocking, id(), ended == null ? null : ended.data());
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
