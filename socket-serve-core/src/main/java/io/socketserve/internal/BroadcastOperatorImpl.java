package io.socketserve.internal;

import io.socketserve.BroadcastOperator;
import io.socketserve.DisconnectReason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/** An immutable selection: rooms (none = everybody), excluded rooms, excluded sockets. */
final class BroadcastOperatorImpl implements BroadcastOperator {

    private final SocketServices services;
    private final String namespace;
    private final List<String> rooms; // room keys
    private final List<String> exceptRooms; // room keys
    private final List<String> exceptSessions;
    private final @Nullable String from;
    private final @Nullable InvocationContext context;

    private BroadcastOperatorImpl(
            SocketServices services,
            String namespace,
            List<String> rooms,
            List<String> exceptRooms,
            List<String> exceptSessions,
            @Nullable String from,
            @Nullable InvocationContext context) {
        this.services = services;
        this.namespace = namespace;
        this.rooms = rooms;
        this.exceptRooms = exceptRooms;
        this.exceptSessions = exceptSessions;
        this.from = from;
        this.context = context;
    }

    static BroadcastOperatorImpl server(SocketServices services, String namespace) {
        return new BroadcastOperatorImpl(services, namespace, List.of(), List.of(), List.of(), null, null);
    }

    static BroadcastOperatorImpl fromSocket(
            SocketServices services, String namespace, String socketId, @Nullable InvocationContext context) {
        return new BroadcastOperatorImpl(
                services, namespace, List.of(), List.of(), List.of(socketId), socketId, context);
    }

    @Override
    public BroadcastOperator to(String... more) {
        return new BroadcastOperatorImpl(
                services,
                namespace,
                union(rooms, services.roomKeys.keys(namespace, more)),
                exceptRooms,
                exceptSessions,
                from,
                context);
    }

    @Override
    public BroadcastOperator except(String... more) {
        return new BroadcastOperatorImpl(
                services,
                namespace,
                rooms,
                union(exceptRooms, services.roomKeys.keys(namespace, more)),
                exceptSessions,
                from,
                context);
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return List.copyOf(s);
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        return send(event, data, false);
    }

    @Override
    public CompletionStage<Void> volatileEmit(String event, @Nullable Object data) {
        return send(event, data, true);
    }

    private CompletionStage<Void> send(String event, @Nullable Object data, boolean isVolatile) {
        LogEntry.TargetType type = rooms.isEmpty() ? LogEntry.TargetType.ALL : LogEntry.TargetType.ROOMS;
        return services.publisher.publish(
                new OutboundMessage(
                        namespace, type, rooms, exceptRooms, exceptSessions, isVolatile, event, data, from, null),
                context);
    }

    @Override
    public Set<String> socketIds() {
        if (rooms.isEmpty()) {
            throw new UnsupportedOperationException(
                    "listing every socket is not supported; select rooms with to(...) first");
        }
        Set<String> ids = new HashSet<>();
        for (String room : rooms) {
            ids.addAll(services.blocking.get(services.backend.roomMembers(room)));
        }
        for (String room : exceptRooms) {
            ids.removeAll(services.blocking.get(services.backend.roomMembers(room)));
        }
        exceptSessions.forEach(ids::remove);
        return ids;
    }

    @Override
    public void socketsJoin(String... more) {
        for (String id : socketIds()) {
            for (String room : more) {
                try {
                    services.blocking.get(services.membership.join(id, namespace, room));
                } catch (io.socketserve.SocketServeException e) {
                    if (!"disconnected".equals(e.code())) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void socketsLeave(String... more) {
        for (String id : socketIds()) {
            for (String room : more) {
                try {
                    services.blocking.get(services.membership.leave(id, namespace, room));
                } catch (io.socketserve.SocketServeException e) {
                    if (!"disconnected".equals(e.code())) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void disconnectSockets() {
        List<CompletionStage<Boolean>> ends = new ArrayList<>();
        for (String id : socketIds()) {
            ends.add(services.sessions.end(id, DisconnectReason.SERVER_DISCONNECT));
        }
        for (CompletionStage<Boolean> e : ends) {
            services.blocking.get(e);
        }
    }
}
