package io.socketserve.internal;

import io.socketserve.SocketServeException;
import io.socketserve.spi.Backend;
import io.socketserve.spi.JoinResult;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Joins and leaves. A membership change is one backend call that also appends its entry to the log,
 * so the instance holding the member's stream sees it in order with the room's messages (and a late
 * joiner is not handed what the room said before). Leaving a room leaves its presence too.
 */
final class Membership {

    private final Backend backend;
    private final RoomKeys roomKeys;
    private final Presence presence;
    private final int maxRoomsPerSocket;

    Membership(Backend backend, RoomKeys roomKeys, Presence presence, int maxRoomsPerSocket) {
        this.backend = backend;
        this.roomKeys = roomKeys;
        this.presence = presence;
        this.maxRoomsPerSocket = maxRoomsPerSocket;
    }

    int maxRoomsPerSocket() {
        return maxRoomsPerSocket;
    }

    /** Joins; fails with {@code room_limit} (422) or {@code disconnected} (410). */
    CompletionStage<Void> join(String sessionId, String namespace, String room) {
        String key = roomKeys.key(namespace, room);
        byte[] entry = EntryCodec.encode(new LogEntry.Join(System.currentTimeMillis(), sessionId, key));
        return backend.join(sessionId, key, maxRoomsPerSocket, entry).thenApply(r -> {
            switch (r.status()) {
                case LIMIT_REACHED -> throw new SocketServeException(
                        "room_limit", "the socket is already in the maximum of " + maxRoomsPerSocket + " rooms", 422);
                case NO_SESSION -> throw Blocking.disconnected();
                default -> {
                    return null;
                }
            }
        });
    }

    /** Leaves (and untracks the room's presence); fails with {@code disconnected} (410). */
    CompletionStage<Void> leave(String sessionId, String namespace, String room) {
        String key = roomKeys.key(namespace, room);
        byte[] entry = EntryCodec.encode(new LogEntry.Leave(System.currentTimeMillis(), sessionId, key));
        return backend.leave(sessionId, key, entry).thenCompose(r -> {
            if (r.status() == JoinResult.Status.NO_SESSION) {
                throw Blocking.disconnected();
            }
            // A socket not in the room cannot be tracked there; ask only when the membership changed.
            return r.status() == JoinResult.Status.CHANGED
                    ? presence.untrack(sessionId, key)
                    : CompletableFuture.<Void>completedFuture(null);
        });
    }

    /** The rooms of a session, by name. */
    CompletionStage<Set<String>> rooms(String sessionId, String namespace) {
        return backend.membership(sessionId).thenApply(snapshot -> {
            Set<String> out = new LinkedHashSet<>();
            for (String key : snapshot.rooms()) {
                out.add(RoomKeys.roomName(namespace, key));
            }
            return out;
        });
    }
}
