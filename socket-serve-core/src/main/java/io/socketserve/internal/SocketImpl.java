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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/** A handle on a session; holds nothing that another instance could not rebuild. */
final class SocketImpl implements Socket {

    private final Engine engine;
    private final SessionRecord record;
    private final @Nullable RemovedSession ended; // set in the disconnect handler

    SocketImpl(Engine engine, SessionRecord record) {
        this(engine, record, null);
    }

    private SocketImpl(Engine engine, SessionRecord record, @Nullable RemovedSession ended) {
        this.engine = engine;
        this.record = record;
        this.ended = ended;
    }

    static SocketImpl ended(Engine engine, RemovedSession removed) {
        return new SocketImpl(engine, removed.session(), removed);
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
            engine.validateEvent(event);
            return CompletableFuture.completedFuture(null);
        }
        return engine.publish(
                namespace(),
                LogEntry.TargetType.SESSION,
                List.of(id()),
                List.of(),
                List.of(),
                false,
                event,
                data,
                id(),
                null);
    }

    @Override
    public CompletionStage<JsonNode> emitWithAck(String event, @Nullable Object data, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        if (ended != null) {
            answer.completeExceptionally(Engine.disconnected());
            return answer;
        }
        String messageId = engine.acks.register(id(), event, timeout, answer);
        engine.publish(
                        namespace(),
                        LogEntry.TargetType.SESSION,
                        List.of(id()),
                        List.of(),
                        List.of(),
                        false,
                        event,
                        data,
                        id(),
                        messageId)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        engine.acks.fail(id(), messageId, Engine.unwrap(e));
                    }
                });
        return answer;
    }

    @Override
    public void join(String room) {
        if (ended != null) {
            throw Engine.disconnected();
        }
        engine.roomKey(namespace(), room);
        engine.checkJoin(this, room);
        engine.join(id(), namespace(), room);
    }

    @Override
    public void leave(String room) {
        if (ended != null) {
            engine.roomKey(namespace(), room);
            return; // already out of every room
        }
        engine.leave(id(), namespace(), room);
    }

    @Override
    public void track(String room, String userId, @Nullable Object state) {
        join(room);
        engine.presence.track(id(), namespace(), room, userId, state);
    }

    @Override
    public void updatePresence(String room, @Nullable Object state) {
        if (ended != null) {
            throw Engine.disconnected();
        }
        engine.presence.update(id(), namespace(), room, state);
    }

    @Override
    public void untrack(String room) {
        String key = engine.roomKey(namespace(), room);
        if (ended == null) {
            engine.await(engine.presence.untrack(id(), key));
        }
    }

    @Override
    public Set<String> rooms() {
        if (ended != null) {
            Set<String> out = new LinkedHashSet<>();
            for (String key : ended.rooms()) {
                out.add(Engine.roomName(namespace(), key));
            }
            return out;
        }
        return engine.rooms(id(), namespace());
    }

    @Override
    public CompletionStage<Void> broadcastToRoom(String room, String event, @Nullable Object data) {
        return engine.publish(
                namespace(),
                LogEntry.TargetType.ROOMS,
                List.of(engine.roomKey(namespace(), room)),
                List.of(),
                List.of(),
                false,
                event,
                data,
                id(),
                null);
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        return BroadcastOperatorImpl.fromSocket(engine, namespace(), id()).to(rooms);
    }

    @Override
    public BroadcastOperator broadcast() {
        return BroadcastOperatorImpl.fromSocket(engine, namespace(), id());
    }

    @Override
    public SessionData data() {
        return new SessionDataImpl(engine, id(), ended == null ? null : ended.data());
    }

    @Override
    public void disconnect() {
        if (ended == null) {
            engine.await(engine.end(id(), DisconnectReason.SERVER_DISCONNECT));
        }
    }

    @Override
    public String toString() {
        return "Socket[" + id() + (ended == null ? "" : ", disconnected") + "]";
    }
}
