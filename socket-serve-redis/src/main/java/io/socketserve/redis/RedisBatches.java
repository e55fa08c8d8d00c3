package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.TOUCH_CHUNK;
import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.stringReplies;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.BatchOperations;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link BatchOperations} of {@link RedisBackend}: each one script over the selection ({@code
 * select.lua}), one {@code EVALSHA} whatever the number of sessions; {@link #sessionSnapshots} is one
 * script per {@value RedisCalls#TOUCH_CHUNK} ids, all sent at once. Not a {@link BatchOperations}
 * itself (that interface includes the session and membership parts): the backend delegates these
 * five methods here.
 *
 * <p>On a partitioned log (more than one partition, Redis Cluster) a session's keys and a room's
 * keys may be in different slots, so no one script can do a batch: {@link RedisPartitionedBatches}
 * runs each operation in steps, one script per partition it touches; {@link #sessionSnapshots} groups
 * the ids by their partition.
 */
final class RedisBatches {

    private final RedisCalls calls;
    private final Keys keys;
    private final @Nullable RedisPartitionedBatches partitioned;

    RedisBatches(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
        this.partitioned = keys.partitions() > 1 ? new RedisPartitionedBatches(calls) : null;
    }

    CompletionStage<List<String>> selectSessions(Selection selection) {
        if (partitioned != null) {
            return partitioned.select(selection).thenApply(RedisPartitionedBatches.Selected::ids);
        }
        List<byte[]> args = selectionArgs(selection);
        return calls.script(
                Script.SELECT_SESSIONS, r -> stringReplies(Replies.list(r).get(1)), args.toArray(byte[][]::new));
    }

    CompletionStage<List<SessionSnapshot>> sessionSnapshots(Collection<String> ids) {
        List<String> all = List.copyOf(new LinkedHashSet<>(ids));
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        // In chunks, like touchSessions: one script never blocks Redis for long. All chunks are
        // written at once (one flush of the connection), so this is still one round trip. On a
        // partitioned log each chunk holds ids of one partition, its script runs there.
        Map<Integer, List<String>> byPartition = new LinkedHashMap<>();
        for (String id : all) {
            byPartition
                    .computeIfAbsent(keys.sessionPartition(id), p -> new ArrayList<>())
                    .add(id);
        }
        List<CompletableFuture<List<SessionSnapshot>>> chunks = new ArrayList<>();
        byPartition.forEach((p, group) -> {
            for (int from = 0; from < group.size(); from += TOUCH_CHUNK) {
                List<String> chunk = group.subList(from, Math.min(group.size(), from + TOUCH_CHUNK));
                byte[][] args = new byte[chunk.size()][];
                for (int i = 0; i < args.length; i++) {
                    args[i] = bytes(chunk.get(i));
                }
                chunks.add(calls.script(Script.SESSION_SNAPSHOTS, p, RedisBatches::snapshots, args)
                        .toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<SessionSnapshot> out = new ArrayList<>();
            chunks.forEach(c -> out.addAll(c.join()));
            if (byPartition.size() > 1) {
                // back into the order of the ids
                Map<String, SessionSnapshot> byId = new HashMap<>();
                out.forEach(sn -> byId.put(sn.session().id(), sn));
                out.clear();
                for (String id : all) {
                    SessionSnapshot sn = byId.get(id);
                    if (sn != null) {
                        out.add(sn);
                    }
                }
            }
            return out;
        });
    }

    private static List<SessionSnapshot> snapshots(Object r) {
        List<Object> reply = Replies.list(r);
        List<SessionSnapshot> out = new ArrayList<>(reply.size() / 4);
        for (int i = 0; i + 3 < reply.size(); i += 4) {
            String id = Replies.string(reply.get(i));
            out.add(new SessionSnapshot(
                    Objects.requireNonNull(RedisSessions.record(id, Replies.pairs(Replies.list(reply.get(i + 1))))),
                    Replies.strings(Replies.list(reply.get(i + 2))),
                    Replies.pairs(Replies.list(reply.get(i + 3)))));
        }
        return out;
    }

    CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> rooms, int maxRooms, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        if (partitioned != null) {
            return partitioned.joinSelected(selection, rooms, maxRooms, entryPrefix);
        }
        List<byte[]> args = selectionArgs(selection);
        args.add(bytes(Integer.toString(maxRooms)));
        args.add(entryPrefix);
        rooms.forEach(room -> args.add(bytes(room)));
        return calls.script(Script.JOIN_SELECTED, r -> membershipBatch(r, true), args.toArray(byte[][]::new));
    }

    CompletionStage<MembershipBatchResult> leaveSelected(Selection selection, List<String> rooms, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        if (partitioned != null) {
            return partitioned.leaveSelected(selection, rooms, entryPrefix);
        }
        List<byte[]> args = selectionArgs(selection);
        args.add(entryPrefix);
        rooms.forEach(room -> args.add(bytes(room)));
        return calls.script(Script.LEAVE_SELECTED, r -> membershipBatch(r, false), args.toArray(byte[][]::new));
    }

    private MembershipBatchResult membershipBatch(Object r, boolean joined) {
        List<Object> reply = Replies.list(r);
        long position = Replies.number(reply.get(0));
        if (position > 0) {
            calls.seen(position);
        }
        List<Object> pairs = Replies.list(reply.get(2));
        List<MembershipChange> changes = new ArrayList<>(pairs.size() / 2);
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            changes.add(new MembershipChange(Replies.string(pairs.get(i)), Replies.string(pairs.get(i + 1)), joined));
        }
        List<String> skipped = reply.size() > 3 ? stringReplies(reply.get(3)) : List.of();
        return new MembershipBatchResult(changes, skipped, position, Replies.number(reply.get(1)) == 1);
    }

    CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
        Objects.requireNonNull(reason, "reason == null");
        if (partitioned != null) {
            return partitioned.removeSelected(selection, entryPrefix, reason);
        }
        List<byte[]> args = selectionArgs(selection);
        args.add(entryPrefix);
        args.add(bytes(reason));
        return calls.script(
                Script.REMOVE_SELECTED,
                r -> {
                    List<Object> reply = Replies.list(r);
                    long position = Replies.number(reply.get(0));
                    if (position > 0) {
                        calls.seen(position);
                    }
                    List<RemovedSession> removed = new ArrayList<>(reply.size() - 2);
                    for (int i = 2; i < reply.size(); i++) {
                        List<Object> one = Replies.list(reply.get(i));
                        String id = Replies.string(one.get(0));
                        removed.add(new RemovedSession(
                                Objects.requireNonNull(
                                        RedisSessions.record(id, Replies.pairs(Replies.list(one.get(1))))),
                                Replies.strings(Replies.list(one.get(2))),
                                Replies.pairs(Replies.list(one.get(3))),
                                position));
                    }
                    return new RemovalBatchResult(removed, position, Replies.number(reply.get(1)) == 1);
                },
                args.toArray(byte[][]::new));
    }

    /** A selection as select.lua reads it: namespace, max, three counts, then the three lists. */
    private static List<byte[]> selectionArgs(Selection s) {
        List<byte[]> args = new ArrayList<>(
                5 + s.rooms().size() + s.exceptRooms().size() + s.exceptIds().size() + 8);
        args.add(bytes(s.namespace()));
        args.add(bytes(Integer.toString(s.max())));
        args.add(bytes(Integer.toString(s.rooms().size())));
        args.add(bytes(Integer.toString(s.exceptRooms().size())));
        args.add(bytes(Integer.toString(s.exceptIds().size())));
        s.rooms().forEach(room -> args.add(bytes(room)));
        s.exceptRooms().forEach(room -> args.add(bytes(room)));
        s.exceptIds().forEach(id -> args.add(bytes(id)));
        return args;
    }
}
