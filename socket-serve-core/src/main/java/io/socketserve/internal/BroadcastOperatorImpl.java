package io.socketserve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.BroadcastOperator;
import io.socketserve.DisconnectReason;
import io.socketserve.RemoteSocket;
import io.socketserve.SocketServeException;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * An immutable selection: rooms (none = everybody), excluded rooms, excluded sockets — socket ids
 * count as rooms — plus the ack timeout. Emits are one log append; operations on the selected
 * sockets are one batched backend operation each ({@link io.socketserve.spi.Backend#joinSelected}
 * and friends), whatever the number of sockets.
 */
final class BroadcastOperatorImpl implements BroadcastOperator {

    private final SocketServices services;
    private final String namespace;
    private final List<String> rooms; // room keys
    private final List<String> exceptRooms; // room keys
    private final List<String> exceptSessions;
    private final @Nullable String from;
    private final @Nullable InvocationContext context;
    private final Duration ackTimeout;

    private BroadcastOperatorImpl(
            SocketServices services,
            String namespace,
            List<String> rooms,
            List<String> exceptRooms,
            List<String> exceptSessions,
            @Nullable String from,
            @Nullable InvocationContext context,
            Duration ackTimeout) {
        this.services = services;
        this.namespace = namespace;
        this.rooms = rooms;
        this.exceptRooms = exceptRooms;
        this.exceptSessions = exceptSessions;
        this.from = from;
        this.context = context;
        this.ackTimeout = ackTimeout;
    }

    static BroadcastOperatorImpl server(SocketServices services, String namespace) {
        return new BroadcastOperatorImpl(
                services, namespace, List.of(), List.of(), List.of(), null, null, DEFAULT_ACK_TIMEOUT);
    }

    static BroadcastOperatorImpl fromSocket(
            SocketServices services, String namespace, String socketId, @Nullable InvocationContext context) {
        return new BroadcastOperatorImpl(
                services, namespace, List.of(), List.of(), List.of(socketId), socketId, context, DEFAULT_ACK_TIMEOUT);
    }

    private BroadcastOperatorImpl with(List<String> rooms, List<String> exceptRooms, Duration ackTimeout) {
        return new BroadcastOperatorImpl(
                services, namespace, rooms, exceptRooms, exceptSessions, from, context, ackTimeout);
    }

    @Override
    public BroadcastOperator to(String... more) {
        return with(union(rooms, services.roomKeys.keys(namespace, more)), exceptRooms, ackTimeout);
    }

    @Override
    public BroadcastOperator except(String... more) {
        return with(rooms, union(exceptRooms, services.roomKeys.keys(namespace, more)), ackTimeout);
    }

    @Override
    public BroadcastOperator timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return with(rooms, exceptRooms, timeout);
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return List.copyOf(s);
    }

    private Selection selection() {
        return new Selection(namespace, rooms, exceptRooms, exceptSessions, services.maxSelection);
    }

    // ------------------------------------------------------------------------------------ emits

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        return send(event, data, false, null);
    }

    @Override
    public CompletionStage<Void> volatileEmit(String event, @Nullable Object data) {
        return send(event, data, true, null);
    }

    private CompletionStage<Void> send(
            String event, @Nullable Object data, boolean isVolatile, @Nullable String messageId) {
        LogEntry.TargetType type = rooms.isEmpty() ? LogEntry.TargetType.ALL : LogEntry.TargetType.ROOMS;
        return services.publisher.publish(
                new OutboundMessage(
                        namespace, type, rooms, exceptRooms, exceptSessions, isVolatile, event, data, from, messageId),
                context);
    }

    @Override
    public CompletionStage<List<JsonNode>> emitWithAck(String event, @Nullable Object data) {
        services.publisher.validateEvent(event);
        CompletableFuture<List<JsonNode>> answers = new CompletableFuture<>();
        services.backend.selectSessions(selection()).whenComplete((ids, error) -> {
            if (error != null) {
                answers.completeExceptionally(Blocking.rethrowable(Blocking.unwrap(error)));
                return;
            }
            String messageId = services.acks.registerBroadcast(event, ackTimeout, ids, answers);
            if (ids.isEmpty()) {
                return;
            }
            send(event, data, false, messageId).whenComplete((v, e) -> {
                if (e != null) {
                    services.acks.failBroadcast(messageId, Blocking.rethrowable(Blocking.unwrap(e)));
                }
            });
        });
        return answers;
    }

    @Override
    public <T> CompletionStage<List<T>> emitWithAck(String event, @Nullable Object data, Class<T> type) {
        Objects.requireNonNull(type, "type == null");
        return emitWithAck(event, data).thenApply(answers -> {
            List<T> out = new ArrayList<>(answers.size());
            for (JsonNode answer : answers) {
                out.add(bind(answer, type));
            }
            return out;
        });
    }

    private <T> T bind(JsonNode answer, Class<T> type) {
        try {
            return services.json.mapper().treeToValue(answer, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SocketServeException(
                    "invalid_payload", "an acknowledgement does not bind to " + type.getSimpleName(), 400, e);
        }
    }

    // ------------------------------------------------------------------------- the selected sockets

    @Override
    public CompletionStage<List<RemoteSocket>> fetchSockets() {
        return services.onHandlers(services.backend
                .selectSessions(selection())
                .thenCompose(ids -> ids.isEmpty()
                        ? CompletableFuture.completedFuture(List.<SessionSnapshot>of())
                        : services.backend.sessionSnapshots(ids))
                .thenApply(snapshots -> {
                    List<RemoteSocket> out = new ArrayList<>(snapshots.size());
                    for (SessionSnapshot s : snapshots) {
                        out.add(new RemoteSocketImpl(services, s));
                    }
                    return out;
                }));
    }

    @Override
    public Set<String> socketIds() {
        return services.blocking.get(socketIdsAsync());
    }

    @Override
    public CompletionStage<Set<String>> socketIdsAsync() {
        return services.onHandlers(services.backend.selectSessions(selection()).thenApply(LinkedHashSet<String>::new));
    }

    @Override
    public void socketsJoin(String... more) {
        services.blocking.get(socketsJoinAsync(more));
    }

    @Override
    public CompletionStage<Void> socketsJoinAsync(String... more) {
        List<String> keys = services.roomKeys.keys(namespace, more);
        byte[] prefix = EntryCodec.membershipBatchPrefix(System.currentTimeMillis());
        return services.onHandlers(services.backend
                .joinSelected(selection(), keys, services.membership.maxRoomsPerSocket(), prefix)
                .thenApply(r -> null));
    }

    @Override
    public void socketsLeave(String... more) {
        services.blocking.get(socketsLeaveAsync(more));
    }

    @Override
    public CompletionStage<Void> socketsLeaveAsync(String... more) {
        List<String> keys = services.roomKeys.keys(namespace, more);
        byte[] prefix = EntryCodec.membershipBatchPrefix(System.currentTimeMillis());
        return services.onHandlers(
                services.backend.leaveSelected(selection(), keys, prefix).thenCompose(r -> {
                    // A socket out of a room cannot stay tracked there.
                    List<CompletableFuture<Void>> untracks = new ArrayList<>();
                    for (MembershipChange c : r.changes()) {
                        if (!c.joined()) {
                            untracks.add(services.presence
                                    .untrack(c.session(), c.room())
                                    .toCompletableFuture());
                        }
                    }
                    return CompletableFuture.allOf(untracks.toArray(CompletableFuture[]::new));
                }));
    }

    @Override
    public void disconnectSockets() {
        services.blocking.get(disconnectSocketsAsync());
    }

    @Override
    public CompletionStage<Void> disconnectSocketsAsync() {
        return services.onHandlers(removeAll(0));
    }

    /** Removes the selection in batches until none is left (each removal's listeners run once). */
    private CompletionStage<Void> removeAll(int round) {
        byte[] prefix = EntryCodec.disconnectBatchPrefix(System.currentTimeMillis());
        return services.backend
                .removeSelected(selection(), prefix, DisconnectReason.SERVER_DISCONNECT.wireName())
                .thenCompose(r -> {
                    for (RemovedSession removed : r.removed()) {
                        services.sessions.ended(removed, DisconnectReason.SERVER_DISCONNECT);
                    }
                    // Bounded: a selection that keeps growing (sessions connecting as fast as they
                    // are removed) stops after a few rounds rather than looping forever.
                    return r.truncated() && round < 16
                            ? removeAll(round + 1)
                            : CompletableFuture.<Void>completedFuture(null);
                });
    }
}
