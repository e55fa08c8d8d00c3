package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.PresenceResult.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The writing presence operations of {@link RedisPresence} when the log has more than one partition:
 * each is a sequence of scripts, one per partition it touches, in the order documented on {@link
 * RedisPresence} (session side, user side, room side). A script only touches keys of its partition,
 * as Redis Cluster requires.
 */
final class RedisPartitionedPresence {

    /** The statuses the scripts answer with, by index (as in {@link RedisPresence}). */
    private static final Status[] STATUS = {
        Status.JOINED,
        Status.UPDATED,
        Status.UNCHANGED,
        Status.LEFT,
        Status.NOT_TRACKED,
        Status.USER_MISMATCH,
        Status.RETRY,
        Status.NO_SESSION,
        Status.LAPSED
    };

    private static final byte[] NONE = new byte[0];
    private static final byte[] ADD = bytes("+");
    private static final byte[] REMOVE = bytes("-");
    private static final byte[] SET = bytes("=");
    private static final byte[] CHECK = bytes("check");
    private static final byte[] COMMIT = bytes("commit");

    private final RedisCalls calls;
    private final Keys keys;

    RedisPartitionedPresence(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    /** A room side's answer: {status} or {status, position in partition p}. */
    private PresenceResult roomResult(int p, Object r) {
        List<Object> reply = Replies.list(r);
        Status status = STATUS[(int) Replies.number(reply.get(0))];
        return reply.size() > 1
                ? PresenceResult.appended(status, calls.seen(p, Replies.number(reply.get(1))))
                : PresenceResult.of(status);
    }

    /** Runs the room side {@code op} on each room partition of {@code groups} (partition → arguments after the op's). */
    private CompletionStage<List<PresenceResult>> rooms(byte[] op, Map<Integer, List<byte[]>> groups, byte[]... head) {
        List<CompletableFuture<PresenceResult>> runs = new ArrayList<>();
        groups.forEach((p, group) -> {
            byte[][] args = new byte[1 + head.length + group.size()][];
            args[0] = op;
            System.arraycopy(head, 0, args, 1, head.length);
            for (int i = 0; i < group.size(); i++) {
                args[1 + head.length + i] = group.get(i);
            }
            runs.add(calls.script(Script.PRESENCE_ROOMS, p, (Object r) -> roomResult(p, r), args)
                    .toCompletableFuture());
        });
        return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<PresenceResult> out = new ArrayList<>(runs.size());
            runs.forEach(f -> out.add(f.join()));
            return out;
        });
    }

    /** The user side: the session is live ({@code +}, with its TTL) or not ({@code -}, with now and the grace). */
    private CompletionStage<Long> user(byte[] op, String user, String id, long a, long b) {
        return calls.script(
                Script.PRESENCE_USER,
                keys.userPartition(user),
                (Long r) -> r,
                op,
                bytes(user),
                bytes(id),
                bytes(Long.toString(a)),
                bytes(Long.toString(b)));
    }

    /** The merged result of several room sides: the "strongest" status (JOINED, UPDATED, LEFT before UNCHANGED) and the last position. */
    private static PresenceResult merge(List<PresenceResult> results, Status otherwise) {
        Status status = otherwise;
        long last = 0;
        for (PresenceResult r : results) {
            if (r.position() != 0) {
                last = r.position();
                if (status == otherwise || r.status().ordinal() < status.ordinal()) {
                    status = r.status();
                }
            }
        }
        return last == 0 ? PresenceResult.of(otherwise) : PresenceResult.appended(status, last);
    }

    private static byte[][] withRooms(Iterable<String> rooms, byte[]... first) {
        List<byte[]> args = new ArrayList<>(List.of(first));
        rooms.forEach(room -> args.add(bytes(room)));
        return args.toArray(byte[][]::new);
    }

    CompletionStage<PresenceResult> enter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry) {
        int s = keys.sessionPartition(id);
        return calls.<Object, List<Object>>script(
                        Script.PRESENCE_SESSION_ENTER,
                        s,
                        Replies::list,
                        bytes(id),
                        bytes(room),
                        bytes(user),
                        bytes(state),
                        bytes(Long.toString(liveUntilMillis)))
                .thenCompose(reply -> {
                    Status status = STATUS[(int) Replies.number(reply.get(0))];
                    if (status != Status.UNCHANGED) {
                        return CompletableFuture.completedFuture(PresenceResult.of(status));
                    }
                    long ttl = Replies.number(reply.get(1));
                    // user and room side in parallel: both only add, idempotently
                    CompletableFuture<Long> live = user(ADD, user, id, ttl, 0).toCompletableFuture();
                    CompletableFuture<PresenceResult> entered = rooms(
                                    ADD,
                                    Map.of(
                                            keys.roomPartition(room),
                                            List.of(
                                                    bytes(room),
                                                    bytes(state),
                                                    joinEntry,
                                                    updateEntry == null ? NONE : updateEntry)),
                                    bytes(id),
                                    bytes(user),
                                    bytes(Long.toString(ttl)))
                            .thenApply(results -> results.get(0))
                            .toCompletableFuture();
                    return live.thenCombine(entered, (l, r) -> r);
                });
    }

    CompletionStage<PresenceResult> revive(String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        int s = keys.sessionPartition(id);
        byte[] until = bytes(Long.toString(liveUntilMillis));
        byte[][] args = withRooms(joinEntries.keySet(), CHECK, bytes(id), until);
        return calls.<Object, List<Object>>script(Script.PRESENCE_SESSION_REVIVE, s, Replies::list, args)
                .thenCompose(reply -> {
                    Status status = STATUS[(int) Replies.number(reply.get(0))];
                    if (status != Status.JOINED) {
                        return CompletableFuture.completedFuture(PresenceResult.of(status));
                    }
                    String user = Replies.string(reply.get(1));
                    long ttl = Replies.number(reply.get(2));
                    Map<String, String> tracked = Replies.pairs(Replies.list(reply.get(3)));
                    Map<Integer, List<byte[]>> groups = new TreeMap<>();
                    tracked.forEach(
                            (room, state) -> groups.computeIfAbsent(keys.roomPartition(room), p -> new ArrayList<>())
                                    .addAll(List.of(bytes(room), bytes(state), joinEntries.get(room), NONE)));
                    // user and room sides first, the session becomes live last: if a step fails, the
                    // session is tracked and not live, so the next refresh reports it lapsed and the
                    // engine revives it again (every step adds idempotently)
                    CompletableFuture<Long> live = user(ADD, user, id, ttl, 0).toCompletableFuture();
                    CompletableFuture<List<PresenceResult>> entered = rooms(
                                    ADD, groups, bytes(id), bytes(user), bytes(Long.toString(ttl)))
                            .toCompletableFuture();
                    args[0] = COMMIT;
                    return live.thenCombine(entered, (l, results) -> results)
                            .thenCompose(results -> calls.<Object, List<Object>>script(
                                            Script.PRESENCE_SESSION_REVIVE, s, Replies::list, args)
                                    .thenApply(done -> {
                                        Status committed = STATUS[(int) Replies.number(done.get(0))];
                                        // UNCHANGED: another caller revived it meanwhile
                                        return committed == Status.JOINED || committed == Status.UNCHANGED
                                                ? merge(results, Status.UNCHANGED)
                                                : PresenceResult.of(committed);
                                    }));
                });
    }

    CompletionStage<PresenceResult> update(String id, String room, String state, byte[] updateEntry) {
        return calls.<Object, List<Object>>script(
                        Script.PRESENCE_SESSION_UPDATE,
                        keys.sessionPartition(id),
                        Replies::list,
                        bytes(id),
                        bytes(room),
                        bytes(state))
                .thenCompose(reply -> {
                    Status status = STATUS[(int) Replies.number(reply.get(0))];
                    if (status != Status.UPDATED) {
                        return CompletableFuture.completedFuture(PresenceResult.of(status));
                    }
                    return rooms(
                                    SET,
                                    Map.of(keys.roomPartition(room), List.of(bytes(room), bytes(state), updateEntry)),
                                    bytes(id))
                            .thenApply(results -> results.get(0));
                });
    }

    CompletionStage<PresenceResult> leave(String id, String room, byte[] leaveEntry) {
        int s = keys.sessionPartition(id);
        return calls.<Object, List<Object>>script(
                        Script.PRESENCE_SESSION_LEAVE, s, Replies::list, CHECK, bytes(id), bytes(room))
                .thenCompose(reply -> {
                    Status status = STATUS[(int) Replies.number(reply.get(0))];
                    if (status != Status.UNCHANGED) {
                        return CompletableFuture.completedFuture(PresenceResult.of(status));
                    }
                    // the room side first, the session stops tracking the room last: if a step fails,
                    // the session is still tracked there (a retried leave finishes the job), never
                    // counted in a room it does not track
                    return rooms(REMOVE, Map.of(keys.roomPartition(room), List.of(bytes(room), leaveEntry)), bytes(id))
                            .thenCompose(results -> calls.script(
                                    Script.PRESENCE_SESSION_LEAVE,
                                    s,
                                    (Object r) -> results.get(0),
                                    COMMIT,
                                    bytes(id),
                                    bytes(room)));
                });
    }

    CompletionStage<PresenceResult> drop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        int s = keys.sessionPartition(id);
        byte[][] args = withRooms(leaveEntries.keySet(), CHECK, bytes(id), bytes(Long.toString(nowMillis)));
        return calls.<Object, List<Object>>script(Script.PRESENCE_SESSION_DROP, s, Replies::list, args)
                .thenCompose(reply -> {
                    long code = Replies.number(reply.get(0));
                    if (code != 0) {
                        return CompletableFuture.completedFuture(PresenceResult.of(STATUS[(int) code]));
                    }
                    String user = Replies.string(reply.get(1));
                    boolean wasLive = Replies.number(reply.get(2)) == 1;
                    Map<Integer, List<byte[]>> groups = new TreeMap<>();
                    leaveEntries.forEach(
                            (room, entry) -> groups.computeIfAbsent(keys.roomPartition(room), p -> new ArrayList<>())
                                    .addAll(List.of(bytes(room), entry)));
                    // room and user sides first (idempotent removals), the session stops being live
                    // last: if a step fails, the session is still listed live with its lapsed deadline
                    // (or has ended), and the next sweep (or the engine's drop) runs the drop again
                    CompletableFuture<List<PresenceResult>> left =
                            rooms(REMOVE, groups, bytes(id)).toCompletableFuture();
                    CompletableFuture<Long> offline = user(REMOVE, user, id, nowMillis, offlineGraceMillis)
                            .toCompletableFuture();
                    args[0] = COMMIT;
                    return left.thenCombine(offline, (results, o) -> results)
                            .thenCompose(results -> calls.<Object, List<Object>>script(
                                            Script.PRESENCE_SESSION_DROP, s, Replies::list, args)
                                    .thenApply(done -> {
                                        if (Replies.number(done.get(0)) != 0) {
                                            return PresenceResult.of(Status.RETRY);
                                        }
                                        PresenceResult r = merge(results, Status.UNCHANGED);
                                        if (r.status() == Status.UNCHANGED && wasLive) {
                                            return PresenceResult.of(Status.LEFT);
                                        }
                                        return r;
                                    }));
                });
    }
}
