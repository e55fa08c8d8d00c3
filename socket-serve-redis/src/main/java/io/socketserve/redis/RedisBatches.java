package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.TOUCH_CHUNK;
import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.stringReplies;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link BatchOperations} of {@link RedisBackend}: each one script over the selection ({@code
 * select.lua}), one {@code EVALSHA} whatever the number of sessions; {@link #sessionSnapshots} is one
 * script per {@value RedisCalls#TOUCH_CHUNK} ids, all sent at once. Not a {@link BatchOperations}
 * itself (that interface includes the session and membership parts): the backend delegates these
 * five methods here.
 */
final class RedisBatches {

    private final RedisCalls calls;

    RedisBatches(RedisCalls calls) {
        this.calls = calls;
    }

    CompletionStage<List<String>> selectSessions(Selection selection) {
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
        // written at once (one flush of the connection), so this is still one round trip.
        List<CompletableFuture<List<SessionSnapshot>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            byte[][] args = new byte[chunk.size()][];
            for (int i = 0; i < args.length; i++) {
                args[i] = bytes(chunk.get(i));
            }
            chunks.add(calls.script(Script.SESSION_SNAPSHOTS, RedisBatches::snapshots, args)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<SessionSnapshot> out = new ArrayList<>();
            chunks.forEach(c -> out.addAll(c.join()));
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
        List<byte[]> args = selectionArgs(selection);
        args.add(bytes(Integer.toString(maxRooms)));
        args.add(entryPrefix);
        rooms.forEach(room -> args.add(bytes(room)));
        return calls.script(Script.JOIN_SELECTED, r -> membershipBatch(r, true), args.toArray(byte[][]::new));
    }

    CompletionStage<MembershipBatchResult> leaveSelected(Selection selection, List<String> rooms, byte[] entryPrefix) {
        Objects.requireNonNull(entryPrefix, "entryPrefix == null");
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
