package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.TOUCH_CHUNK;
import static io.socketserve.redis.RedisCalls.bytes;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.PresenceMember;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.PresenceStore;
import io.socketserve.spi.SessionPresence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PresenceStore} of {@link RedisBackend}: one script per operation over the presence
 * keys of {@code docs/scaling.md}, each also checking the session and appending its entries; plain
 * reads where nothing needs to be atomic ({@link #presenceLapsed}, {@link #presenceCount}).
 */
final class RedisPresence implements PresenceStore {

    /** The statuses the presence scripts answer with, by index. */
    private static final PresenceResult.Status[] PRESENCE_STATUS = {
        PresenceResult.Status.JOINED,
        PresenceResult.Status.UPDATED,
        PresenceResult.Status.UNCHANGED,
        PresenceResult.Status.LEFT,
        PresenceResult.Status.NOT_TRACKED,
        PresenceResult.Status.USER_MISMATCH,
        PresenceResult.Status.RETRY,
        PresenceResult.Status.NO_SESSION,
        PresenceResult.Status.LAPSED
    };

    private final RedisCalls calls;
    private final Keys keys;

    RedisPresence(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    private PresenceResult presenceResult(Object r) {
        List<Object> reply = Replies.list(r);
        PresenceResult.Status status = PRESENCE_STATUS[(int) Replies.number(reply.get(0))];
        return reply.size() > 1
                ? PresenceResult.appended(status, calls.seen(Replies.number(reply.get(1))))
                : PresenceResult.of(status);
    }

    private static byte[][] withEntries(Map<String, byte[]> entries, byte[]... first) {
        byte[][] args = new byte[first.length + entries.size() * 2][];
        System.arraycopy(first, 0, args, 0, first.length);
        int i = first.length;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            args[i++] = bytes(e.getKey());
            args[i++] = Objects.requireNonNull(e.getValue(), "entry == null");
        }
        return args;
    }

    @Override
    public CompletionStage<PresenceResult> presenceEnter(
            String id,
            String room,
            String user,
            String state,
            long liveUntilMillis,
            byte[] joinEntry,
            byte @Nullable [] updateEntry) {
        Objects.requireNonNull(joinEntry, "joinEntry == null");
        return calls.script(
                Script.PRESENCE_ENTER,
                this::presenceResult,
                bytes(id),
                bytes(room),
                bytes(user),
                bytes(state),
                bytes(Long.toString(liveUntilMillis)),
                joinEntry,
                updateEntry == null ? new byte[0] : updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceRevive(
            String id, Map<String, byte[]> joinEntries, long liveUntilMillis) {
        return calls.script(
                Script.PRESENCE_REVIVE,
                this::presenceResult,
                withEntries(joinEntries, bytes(id), bytes(Long.toString(liveUntilMillis))));
    }

    @Override
    public CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry) {
        Objects.requireNonNull(updateEntry, "updateEntry == null");
        return calls.script(
                Script.PRESENCE_UPDATE, this::presenceResult, bytes(id), bytes(room), bytes(state), updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        Objects.requireNonNull(leaveEntry, "leaveEntry == null");
        return calls.script(Script.PRESENCE_LEAVE, this::presenceResult, bytes(id), bytes(room), leaveEntry);
    }

    @Override
    public CompletionStage<@Nullable SessionPresence> sessionPresence(String id) {
        return calls.script(
                Script.PRESENCE_READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return null;
                    }
                    return new SessionPresence(
                            Replies.string(reply.get(1)),
                            Replies.pairs(Replies.list(reply.get(2))),
                            Replies.number(reply.get(3)) == 1);
                },
                bytes("s"),
                bytes(id));
    }

    @Override
    public CompletionStage<List<String>> presenceRefresh(Collection<String> ids, long liveUntilMillis) {
        List<String> all = List.copyOf(ids);
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        // In chunks, like touchSessions: one script never blocks Redis for long.
        byte[] until = bytes(Long.toString(liveUntilMillis));
        List<CompletableFuture<List<String>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            byte[][] args = new byte[chunk.size() + 1][];
            args[0] = until;
            int i = 1;
            for (String id : chunk) {
                args[i++] = bytes(id);
            }
            chunks.add(calls.script(Script.PRESENCE_REFRESH, RedisCalls::stringReplies, args)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> lapsed = new ArrayList<>();
            chunks.forEach(c -> lapsed.addAll(c.join()));
            return lapsed;
        });
    }

    @Override
    public CompletionStage<List<String>> presenceLapsed(long nowMillis, int max) {
        Range<Long> range = Range.create(Long.MIN_VALUE, nowMillis);
        return calls.call(
                () -> calls.commands().zrangebyscore(keys.presenceLive(), range, Limit.create(0, max)),
                Replies::stringList);
    }

    @Override
    public CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        return calls.script(
                Script.PRESENCE_DROP,
                this::presenceResult,
                withEntries(
                        leaveEntries,
                        bytes(id),
                        bytes(Long.toString(nowMillis)),
                        bytes(Long.toString(offlineGraceMillis))));
    }

    @Override
    public CompletionStage<List<String>> presenceOfflineDue(long nowMillis, int max) {
        // Every instance asks several times per heartbeat: a plain read first, the claiming script
        // only when someone is due.
        Range<Long> due = Range.create(Long.MIN_VALUE, nowMillis);
        return calls.call(() -> calls.commands().zrangebyscore(keys.presenceOffline(), due, Limit.create(0, 1)), r -> r)
                .thenCompose(first ->
                        first.isEmpty() ? CompletableFuture.completedFuture(List.of()) : claimOffline(nowMillis, max));
    }

    private CompletionStage<List<String>> claimOffline(long nowMillis, int max) {
        return calls.script(
                Script.PRESENCE_OFFLINE_DUE,
                RedisCalls::stringReplies,
                bytes(Long.toString(nowMillis)),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<List<PresenceMember>> presenceMembers(String room) {
        return calls.script(
                Script.PRESENCE_READ,
                r -> {
                    List<Object> reply = Replies.list(r);
                    Map<String, String> counts = Replies.pairs(Replies.list(reply.get(0)));
                    Map<String, String> states = Replies.pairs(Replies.list(reply.get(1)));
                    List<PresenceMember> out = new ArrayList<>(counts.size());
                    counts.forEach((user, n) ->
                            out.add(new PresenceMember(user, states.getOrDefault(user, "null"), Integer.parseInt(n))));
                    return out;
                },
                bytes("r"),
                bytes(room));
    }

    @Override
    public CompletionStage<Long> presenceCount(String room) {
        return calls.call(() -> calls.commands().hlen(keys.presenceUsers(room)), r -> r);
    }
}
