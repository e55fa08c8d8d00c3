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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PresenceStore} of {@link RedisBackend}.
 *
 * <h2>One partition</h2>
 *
 * <p>One script per operation over the presence keys of {@code docs/scaling.md}, each also checking
 * the session and appending its entries; plain reads where nothing needs to be atomic ({@link
 * #presenceLapsed}, {@link #presenceCount}).
 *
 * <h2>Several partitions</h2>
 *
 * <p>A session's presence keys ({@code pu:<id>}, {@code pr:<id>}, and its place in {@code plive})
 * are in the session's partition; a room's ({@code pru:<room>}, {@code prs:<room>}, and {@code
 * prm:<room>}: live session id → user, the sessions counted there) in the room's, where its presence
 * entries are appended; a user's ({@code pus:<user>}: the ids of the user's live sessions, and its
 * place in {@code poff}) in the user's partition ({@link io.socketserve.spi.Partitions#of} of the
 * user id). No script can span them, so each write is a sequence of scripts, one per side
 * ({@link RedisPartitionedPresence}), and reads go to the partition that holds the answer (the
 * sweeps, {@link #presenceLapsed} and {@link #presenceOfflineDue}, to every partition). The room and
 * user sides count sessions by id, not by increments, so that a side run twice (a retry, two
 * instances dropping the same lapsed session) changes nothing the second time and appends no second
 * entry. The orders:
 *
 * <ul>
 *   <li>enter: session side (checks, deadline, tracked room), then user and room sides. A failure in
 *       between leaves the session tracked and live but not counted in the room: the engine's track
 *       fails, and a retry (or the session's next revive) counts it.
 *   <li>revive: session side checks, then user and room sides, then the session becomes live. A
 *       failure in between leaves it counted but not live: the next refresh reports it lapsed and
 *       the engine revives it again.
 *   <li>update: session side, then the room side's state and entry.
 *   <li>leave: session side checks, room side, then the session stops tracking the room: it is never
 *       left counted in a room it does not track.
 *   <li>drop: session side checks (ended or lapsed, rooms as given), room and user sides, then the
 *       session stops being live (its presence forgotten if it ended). A failure in between leaves it
 *       listed live with its lapsed deadline: the next sweep drops it again. If a refresh moved its
 *       deadline on meanwhile, it is taken out anyway and the next refresh revives it (a leave then
 *       join of the user). An ended session is taken out of every tracked room even if it was not
 *       live, which also repairs what a failed step may have left.
 * </ul>
 *
 * <p>Races left (none with one partition): a session that enters a room while another instance drops
 * it (lapsed) may stay counted there without being live until it is revived or ends; a session
 * counted in a room by a revive or an enter whose session side ran just before the session ended
 * and was dropped, or just before a concurrent leave of the same room, stays counted there (and in
 * its user's live sessions) until the room's keys expire (their safety TTL, moved on by every
 * enter). The position of a result that appended to several partitions is that of one of them.
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
    /** The writes over several partitions; null with one partition. */
    private final @Nullable RedisPartitionedPresence partitioned;

    RedisPresence(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
        this.partitioned = keys.partitions() > 1 ? new RedisPartitionedPresence(calls) : null;
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
        if (partitioned != null) {
            return partitioned.enter(id, room, user, state, liveUntilMillis, joinEntry, updateEntry);
        }
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
        if (partitioned != null) {
            return partitioned.revive(id, joinEntries, liveUntilMillis);
        }
        return calls.script(
                Script.PRESENCE_REVIVE,
                this::presenceResult,
                withEntries(joinEntries, bytes(id), bytes(Long.toString(liveUntilMillis))));
    }

    @Override
    public CompletionStage<PresenceResult> presenceUpdate(String id, String room, String state, byte[] updateEntry) {
        Objects.requireNonNull(updateEntry, "updateEntry == null");
        if (partitioned != null) {
            return partitioned.update(id, room, state, updateEntry);
        }
        return calls.script(
                Script.PRESENCE_UPDATE, this::presenceResult, bytes(id), bytes(room), bytes(state), updateEntry);
    }

    @Override
    public CompletionStage<PresenceResult> presenceLeave(String id, String room, byte[] leaveEntry) {
        Objects.requireNonNull(leaveEntry, "leaveEntry == null");
        if (partitioned != null) {
            return partitioned.leave(id, room, leaveEntry);
        }
        return calls.script(Script.PRESENCE_LEAVE, this::presenceResult, bytes(id), bytes(room), leaveEntry);
    }

    @Override
    public CompletionStage<@Nullable SessionPresence> sessionPresence(String id) {
        return calls.script(
                Script.PRESENCE_READ,
                keys.sessionPartition(id),
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
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        // Per session partition (one with one partition), in chunks like touchSessions: one script
        // never blocks Redis for long.
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (String id : ids) {
            byPartition
                    .computeIfAbsent(keys.sessionPartition(id), p -> new ArrayList<>())
                    .add(id);
        }
        byte[] until = bytes(Long.toString(liveUntilMillis));
        List<CompletableFuture<List<String>>> chunks = new ArrayList<>();
        byPartition.forEach((p, all) -> {
            for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
                List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
                byte[][] args = new byte[chunk.size() + 1][];
                args[0] = until;
                int i = 1;
                for (String id : chunk) {
                    args[i++] = bytes(id);
                }
                chunks.add(calls.script(Script.PRESENCE_REFRESH, p, RedisCalls::stringReplies, args)
                        .toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> lapsed = new ArrayList<>();
            chunks.forEach(c -> lapsed.addAll(c.join()));
            return lapsed;
        });
    }

    @Override
    public CompletionStage<List<String>> presenceLapsed(long nowMillis, int max) {
        Range<Long> range = Range.create(Long.MIN_VALUE, nowMillis);
        List<CompletableFuture<List<String>>> reads = new ArrayList<>();
        for (int p = 0; p < keys.partitions(); p++) {
            byte[] live = keys.presenceLive(p);
            reads.add(calls.call(
                            () -> calls.commands().zrangebyscore(live, range, Limit.create(0, max)),
                            Replies::stringList)
                    .toCompletableFuture());
        }
        if (reads.size() == 1) {
            return reads.get(0);
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> lapsed = new ArrayList<>();
            for (CompletableFuture<List<String>> r : reads) {
                for (String id : r.join()) {
                    if (lapsed.size() < max) {
                        lapsed.add(id);
                    }
                }
            }
            return lapsed;
        });
    }

    @Override
    public CompletionStage<PresenceResult> presenceDrop(
            String id, Map<String, byte[]> leaveEntries, long nowMillis, long offlineGraceMillis) {
        if (partitioned != null) {
            return partitioned.drop(id, leaveEntries, nowMillis, offlineGraceMillis);
        }
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
        return offlineDue(0, nowMillis, max, new ArrayList<>());
    }

    /**
     * Claims due users of partition {@code p} and the ones after it, up to {@code max} in all, one
     * partition after the other: a claimed user leaves the index, so every one claimed is returned.
     */
    private CompletionStage<List<String>> offlineDue(int p, long nowMillis, int max, List<String> claimed) {
        if (p == keys.partitions() || claimed.size() >= max) {
            return CompletableFuture.completedFuture(claimed);
        }
        // Every instance asks several times per heartbeat: a plain read first, the claiming script
        // only when someone is due.
        Range<Long> due = Range.create(Long.MIN_VALUE, nowMillis);
        byte[] offline = keys.presenceOffline(p);
        return calls.call(() -> calls.commands().zrangebyscore(offline, due, Limit.create(0, 1)), r -> r)
                .thenCompose(first -> first.isEmpty()
                        ? CompletableFuture.completedFuture(List.<String>of())
                        : claimOffline(p, nowMillis, max - claimed.size()))
                .thenCompose(users -> {
                    claimed.addAll(users);
                    return offlineDue(p + 1, nowMillis, max, claimed);
                });
    }

    private CompletionStage<List<String>> claimOffline(int p, long nowMillis, int max) {
        return calls.script(
                Script.PRESENCE_OFFLINE_DUE,
                p,
                RedisCalls::stringReplies,
                bytes(Long.toString(nowMillis)),
                bytes(Integer.toString(max)));
    }

    @Override
    public CompletionStage<List<PresenceMember>> presenceMembers(String room) {
        return calls.script(
                Script.PRESENCE_READ,
                keys.roomPartition(room),
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
