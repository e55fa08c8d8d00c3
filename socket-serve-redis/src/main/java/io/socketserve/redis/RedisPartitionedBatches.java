package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.stringReplies;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batched operations of {@link RedisBatches} on a partitioned log ({@link Keys#partitions()} &gt;
 * 1, Redis Cluster): a session's keys ({@code s:}, {@code sr:}, {@code sd:}, the namespace index and
 * the expiry) live in the session's partition, a room's member set {@code r:<room>} in the room's, and
 * a script touches one partition only. So each operation runs in steps, each step one script per
 * partition it touches, all sent at once: a constant number of commands per partition touched,
 * whatever the number of sessions.
 *
 * <table>
 *   <caption>Steps</caption>
 *   <tr><th>operation</th><th>steps</th></tr>
 *   <tr><td>selection</td><td>(1) in each partition of the included and excluded rooms, their
 *       members ({@code select_rooms.lua}; skipped when the selection names no room); (2) in each
 *       session partition (every one for a selection of the whole namespace, else those of the
 *       candidates), the candidates that are sessions of the namespace and not excluded ({@code
 *       select_local.lua}). At most {@link Selection#max()} are kept.</td></tr>
 *   <tr><td>{@link #joinSelected}</td><td>selection; (3) session side: the rooms into {@code sr:}
 *       with the room limit ({@code join_sessions.lua}); (4) room side: the ids into {@code r:} and
 *       ONE entry per room partition ({@code join_rooms.lua}); (5) session side: that the sessions
 *       still exist ({@code settle_sessions.lua}).</td></tr>
 *   <tr><td>{@link #leaveSelected}</td><td>selection; (3) room side: the ids out of {@code r:} and
 *       ONE entry per room partition ({@code leave_rooms.lua}); (4) session side: the rooms out of
 *       {@code sr:} ({@code settle_sessions.lua}).</td></tr>
 *   <tr><td>{@link #removeSelected}</td><td>selection; (3) session side: each session that still
 *       exists removed and ONE removal entry per session partition ({@code remove_sessions.lua});
 *       (4) room side: the removed ids out of their rooms' {@code r:} ({@code
 *       unlink_rooms.lua}).</td></tr>
 * </table>
 *
 * <p>The steps are those of the single-session {@code join} and {@code leave} ({@code
 * RedisMembership}), for many sessions at once, and keep the same rules: {@code sr:<id>} is a superset
 * of the rooms whose {@code r:} holds the session (joins go session side first, leaves room side
 * first), every change of {@code sr:<id>} counts up the record's {@code sv} (what {@code membership}
 * watches), and a join passes every room in {@code sr:<id>} to the room side, added now or there
 * already (an earlier join may have failed between its steps: a repeated join repairs it; the room side
 * adds only what is missing, so a member is left alone). Membership versions: on a partitioned log
 * {@code membership} takes the partitions' heads, not {@code v}, which these steps leave alone.
 * Entries are split like
 * {@code InMemoryBatches}'s: a membership batch goes to each room partition its changes touch (the
 * changes of that partition's rooms), a removal batch to each session partition. The result's position
 * is the last entry appended; a removed session carries its own partition's position.
 *
 * <p>Races and partial failures, none of which loses a session or hands one to two callers:
 *
 * <ul>
 *   <li>A selection is not one snapshot: sessions created, joined or removed between its steps may
 *       be in it or not, as if they had changed just before or just after. Each later step checks
 *       that the session still exists, and a removal hands only the sessions it removed itself.
 *   <li>A session removed (by another caller) between steps 3 and 4 of a join is added to the room
 *       after its removal cleaned the room: step 5 finds it gone and takes it out again ({@code
 *       unlink_rooms.lua}); meanwhile the room lists a dead id, which selections skip.
 *   <li>A join and a leave of the same session and room running at once (from two instances) can
 *       interleave so that {@code r:} has the session while {@code sr:} does not (the known race of
 *       the single-session operations): a member that removal does not see, until the room's key
 *       expires. The engine issues one socket's joins and leaves in order.
 *   <li>A step that fails in some partitions: the others go on to the end, then the operation fails
 *       with the first error. Sessions of the failed partitions are unchanged, and calling again
 *       completes them; a join whose room side failed leaves the room in {@code sr:} only (the
 *       superset holds) until a repeated join adds the room side. A removal
 *       never fails once a session was removed: it reports what it removed, {@link
 *       RemovalBatchResult#truncated()} set when a partition failed (the caller removes the rest in
 *       another round), and failures of the room side are logged (the dead ids stay in the rooms'
 *       sets until their safety TTL, skipped by selections).
 * </ul>
 */
final class RedisPartitionedBatches {

    private static final Logger log = LoggerFactory.getLogger(RedisPartitionedBatches.class);

    private final RedisCalls calls;
    private final Keys keys;

    RedisPartitionedBatches(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    /** The selected ids, at most {@code max}, and whether more matched. */
    record Selected(List<String> ids, boolean truncated) {}

    /** The outcome of one step: each partition's reply, and the first failure if any failed. */
    private record Step<T>(Map<Integer, T> replies, @Nullable Throwable failure) {}

    // ----------------------------------------------------------------------------------- selection

    CompletionStage<Selected> select(Selection s) {
        Set<String> except = new HashSet<>(s.exceptIds());
        for (String room : s.exceptRooms()) {
            String id = s.idOf(room);
            if (id != null) {
                except.add(id);
            }
        }
        if (s.rooms().isEmpty() && s.exceptRooms().isEmpty()) {
            return selectLocal(s, List.of(), except);
        }
        Map<Integer, List<String>> included = byPartition(distinct(s.rooms()), keys::roomPartition);
        Map<Integer, List<String>> excluded = byPartition(distinct(s.exceptRooms()), keys::roomPartition);
        Set<Integer> partitions = new LinkedHashSet<>(included.keySet());
        partitions.addAll(excluded.keySet());
        return all(partitions, q -> {
                    List<String> in = included.getOrDefault(q, List.of());
                    List<byte[]> args = new ArrayList<>();
                    args.add(bytes(Integer.toString(in.size())));
                    in.forEach(room -> args.add(bytes(room)));
                    excluded.getOrDefault(q, List.of()).forEach(room -> args.add(bytes(room)));
                    return calls.script(Script.SELECT_ROOMS, q, Replies::list, args.toArray(byte[][]::new));
                })
                .thenCompose(step -> {
                    failIfAny(step);
                    Set<String> candidates = new LinkedHashSet<>();
                    for (String room : s.rooms()) {
                        String id = s.idOf(room);
                        if (id != null) {
                            candidates.add(id);
                        }
                    }
                    for (List<Object> reply : step.replies().values()) {
                        candidates.addAll(stringReplies(reply.get(0)));
                        except.addAll(stringReplies(reply.get(1)));
                    }
                    candidates.removeAll(except);
                    return selectLocal(s, List.copyOf(candidates), except);
                });
    }

    /**
     * Step 2 of a selection: every session of the namespace (no rooms), or those of {@code
     * candidates}, that is not in {@code except}; at most {@code max}.
     */
    private CompletionStage<Selected> selectLocal(Selection s, List<String> candidates, Set<String> except) {
        boolean everyone = s.rooms().isEmpty();
        if (!everyone && candidates.isEmpty()) {
            return CompletableFuture.completedFuture(new Selected(List.of(), false));
        }
        Map<Integer, List<String>> given = byPartition(candidates, keys::sessionPartition);
        Map<Integer, List<String>> excepted =
                everyone ? byPartition(List.copyOf(except), keys::sessionPartition) : Map.of();
        List<Integer> partitions = new ArrayList<>();
        if (everyone) {
            for (int p = 0; p < keys.partitions(); p++) {
                partitions.add(p);
            }
        } else {
            partitions.addAll(given.keySet());
        }
        return all(partitions, p -> {
                    List<String> ex = excepted.getOrDefault(p, List.of());
                    List<String> ids = given.getOrDefault(p, List.of());
                    List<byte[]> args = new ArrayList<>(5 + ex.size() + ids.size());
                    args.add(bytes(s.namespace()));
                    args.add(bytes(Integer.toString(s.max())));
                    args.add(bytes(everyone ? "a" : "c"));
                    args.add(bytes(Integer.toString(ex.size())));
                    args.add(bytes(Integer.toString(ids.size())));
                    ex.forEach(id -> args.add(bytes(id)));
                    ids.forEach(id -> args.add(bytes(id)));
                    return calls.script(Script.SELECT_LOCAL, p, Replies::list, args.toArray(byte[][]::new));
                })
                .thenApply(step -> {
                    failIfAny(step);
                    List<String> out = new ArrayList<>();
                    boolean truncated = false;
                    for (int p : partitions) {
                        List<Object> reply = step.replies().get(p);
                        truncated |= Replies.number(reply.get(0)) == 1;
                        out.addAll(stringReplies(reply.get(1)));
                    }
                    if (out.size() > s.max()) {
                        return new Selected(List.copyOf(out.subList(0, s.max())), true);
                    }
                    return new Selected(out, truncated);
                });
    }

    // ------------------------------------------------------------------------------------- joins

    CompletionStage<MembershipBatchResult> joinSelected(
            Selection selection, List<String> rooms, int maxRooms, byte[] entryPrefix) {
        List<String> distinct = distinct(rooms);
        return select(selection).thenCompose(sel -> {
            if (sel.ids().isEmpty() || distinct.isEmpty()) {
                return CompletableFuture.completedFuture(
                        new MembershipBatchResult(List.of(), List.of(), 0, sel.truncated()));
            }
            Map<Integer, List<String>> bySession = byPartition(sel.ids(), keys::sessionPartition);
            return all(bySession.keySet(), p -> {
                        List<byte[]> args = new ArrayList<>();
                        args.add(bytes(Integer.toString(maxRooms)));
                        args.add(bytes(Integer.toString(distinct.size())));
                        distinct.forEach(room -> args.add(bytes(room)));
                        bySession.get(p).forEach(id -> args.add(bytes(id)));
                        return calls.script(Script.JOIN_SESSIONS, p, Replies::list, args.toArray(byte[][]::new));
                    })
                    .thenCompose(sessionSide -> {
                        // what each session added to its sr:, in the order of the selection
                        Map<String, List<String[]>> added = new HashMap<>();
                        Set<String> skippedSet = new HashSet<>();
                        for (List<Object> reply : sessionSide.replies().values()) {
                            List<String> triples = stringReplies(reply.get(0));
                            for (int i = 0; i + 2 < triples.size(); i += 3) {
                                added.computeIfAbsent(triples.get(i), id -> new ArrayList<>())
                                        .add(new String[] {triples.get(i + 1), triples.get(i + 2)});
                            }
                            skippedSet.addAll(stringReplies(reply.get(1)));
                        }
                        List<String> skipped = new ArrayList<>();
                        List<String[]> pending = new ArrayList<>();
                        for (String id : sel.ids()) {
                            if (skippedSet.contains(id)) {
                                skipped.add(id);
                            }
                            for (String[] a : added.getOrDefault(id, List.of())) {
                                pending.add(new String[] {id, a[0], a[1]});
                            }
                        }
                        Map<Integer, List<String[]>> byRoom = byPartition(pending, t -> keys.roomPartition(t[1]));
                        return all(byRoom.keySet(), q -> {
                                    List<byte[]> args = new ArrayList<>();
                                    args.add(entryPrefix);
                                    for (String[] t : byRoom.get(q)) {
                                        args.add(bytes(t[0]));
                                        args.add(bytes(t[1]));
                                        args.add(bytes(t[2]));
                                    }
                                    return calls.script(
                                            Script.JOIN_ROOMS, q, Replies::list, args.toArray(byte[][]::new));
                                })
                                .thenCompose(roomSide -> {
                                    List<MembershipChange> ordered = new ArrayList<>(pending.size());
                                    for (String[] t : pending) {
                                        ordered.add(new MembershipChange(t[0], t[1], true));
                                    }
                                    return settle(false, ordered, roomSide).thenCompose(result -> unlinkMissing(result)
                                            .thenApply(v -> {
                                                failIfAny(sessionSide);
                                                failIfAny(roomSide);
                                                return new MembershipBatchResult(
                                                        result.changes(), skipped, result.position(), sel.truncated());
                                            }));
                                });
                    });
        });
    }

    CompletionStage<MembershipBatchResult> leaveSelected(Selection selection, List<String> rooms, byte[] entryPrefix) {
        List<String> distinct = distinct(rooms);
        return select(selection).thenCompose(sel -> {
            if (sel.ids().isEmpty() || distinct.isEmpty()) {
                return CompletableFuture.completedFuture(
                        new MembershipBatchResult(List.of(), List.of(), 0, sel.truncated()));
            }
            Map<Integer, List<String>> byRoom = byPartition(distinct, keys::roomPartition);
            return all(byRoom.keySet(), q -> {
                        List<String> roomsOfQ = byRoom.get(q);
                        List<byte[]> args =
                                new ArrayList<>(2 + roomsOfQ.size() + sel.ids().size());
                        args.add(entryPrefix);
                        args.add(bytes(Integer.toString(roomsOfQ.size())));
                        roomsOfQ.forEach(room -> args.add(bytes(room)));
                        sel.ids().forEach(id -> args.add(bytes(id)));
                        return calls.script(Script.LEAVE_ROOMS, q, Replies::list, args.toArray(byte[][]::new));
                    })
                    .thenCompose(roomSide -> {
                        List<MembershipChange> ordered = new ArrayList<>();
                        for (String id : sel.ids()) {
                            for (String room : distinct) {
                                ordered.add(new MembershipChange(id, room, false));
                            }
                        }
                        return settle(true, ordered, roomSide).thenApply(result -> {
                            failIfAny(roomSide);
                            return new MembershipBatchResult(
                                    result.changes(), List.of(), result.position(), sel.truncated());
                        });
                    });
        });
    }

    /** The changes the room side made, the last position appended, and those of sessions found gone. */
    private record Settled(List<MembershipChange> changes, long position, List<MembershipChange> missing) {}

    /**
     * The last step of a join or leave: of {@code candidates} (in order), the changes the room side
     * ({@code roomSide}: {position, {id, room…}} per partition) made; on the sessions' partitions, for
     * a leave the rooms taken out of {@code sr:}, for both the sessions found gone. A failure here is
     * logged, not returned: the room side has taken effect (the entries are in the log), and what is
     * left undone (a room still in {@code sr:}) keeps {@code sr:} a superset.
     */
    private CompletionStage<Settled> settle(
            boolean leave, List<MembershipChange> candidates, Step<List<Object>> roomSide) {
        Set<MembershipChange> made = new HashSet<>();
        long last = 0;
        for (Map.Entry<Integer, List<Object>> e : roomSide.replies().entrySet()) {
            long n = Replies.number(e.getValue().get(0));
            if (n > 0) {
                calls.seen(e.getKey(), n);
                last = n;
            }
            List<String> pairs = stringReplies(e.getValue().get(1));
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                made.add(new MembershipChange(pairs.get(i), pairs.get(i + 1), !leave));
            }
        }
        List<MembershipChange> changes = new ArrayList<>(made.size());
        for (MembershipChange c : candidates) {
            if (made.remove(c)) {
                changes.add(c);
            }
        }
        long position = last;
        if (changes.isEmpty()) {
            return CompletableFuture.completedFuture(new Settled(changes, position, List.of()));
        }
        Map<Integer, List<MembershipChange>> bySession = byPartition(changes, c -> keys.sessionPartition(c.session()));
        return all(bySession.keySet(), p -> {
                    List<byte[]> args = new ArrayList<>();
                    args.add(bytes(leave ? "l" : "j"));
                    for (MembershipChange c : bySession.get(p)) {
                        args.add(bytes(c.session()));
                        args.add(bytes(c.room()));
                    }
                    return calls.script(
                            Script.SETTLE_SESSIONS, p, RedisCalls::stringReplies, args.toArray(byte[][]::new));
                })
                .thenApply(step -> {
                    if (step.failure() != null) {
                        log.warn(
                                "Redis at {}: a batched {} took effect, but its last step failed in some partitions: {}",
                                calls.where(),
                                leave ? "leave" : "join",
                                step.failure().toString());
                    }
                    Set<String> gone = new HashSet<>();
                    step.replies().values().forEach(gone::addAll);
                    List<MembershipChange> missing = new ArrayList<>();
                    for (MembershipChange c : changes) {
                        if (gone.contains(c.session())) {
                            missing.add(c);
                        }
                    }
                    return new Settled(changes, position, missing);
                });
    }

    /** Takes the sessions that were removed during a join out of the rooms it added them to. */
    private CompletionStage<Void> unlinkMissing(Settled settled) {
        List<String[]> pairs = new ArrayList<>();
        for (MembershipChange c : settled.missing()) {
            pairs.add(new String[] {c.room(), c.session()});
        }
        return unlink(pairs);
    }

    /** (room, id) pairs out of the rooms' member sets, in the rooms' partitions; failures are logged. */
    private CompletionStage<Void> unlink(List<String[]> pairs) {
        if (pairs.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<Integer, List<String[]>> byRoom = byPartition(pairs, t -> keys.roomPartition(t[0]));
        return all(byRoom.keySet(), q -> {
                    List<byte[]> args = new ArrayList<>();
                    for (String[] t : byRoom.get(q)) {
                        args.add(bytes(t[0]));
                        args.add(bytes(t[1]));
                    }
                    return calls.script(Script.UNLINK_ROOMS, q, r -> r, args.toArray(byte[][]::new));
                })
                .thenAccept(step -> {
                    if (step.failure() != null) {
                        log.warn(
                                "Redis at {}: removed sessions stay listed in some rooms until their safety TTL: {}",
                                calls.where(),
                                step.failure().toString());
                    }
                });
    }

    // ----------------------------------------------------------------------------------- removals

    CompletionStage<RemovalBatchResult> removeSelected(Selection selection, byte[] entryPrefix, String reason) {
        return select(selection).thenCompose(sel -> {
            if (sel.ids().isEmpty()) {
                return CompletableFuture.completedFuture(new RemovalBatchResult(List.of(), 0, sel.truncated()));
            }
            Map<Integer, List<String>> bySession = byPartition(sel.ids(), keys::sessionPartition);
            return all(bySession.keySet(), p -> {
                        List<byte[]> args = new ArrayList<>();
                        args.add(entryPrefix);
                        args.add(bytes(reason));
                        bySession.get(p).forEach(id -> args.add(bytes(id)));
                        return calls.script(Script.REMOVE_SESSIONS, p, Replies::list, args.toArray(byte[][]::new));
                    })
                    .thenCompose(step -> {
                        if (step.replies().isEmpty() && step.failure() != null) {
                            failIfAny(step);
                        }
                        Map<String, RemovedSession> removed = new HashMap<>();
                        long last = 0;
                        for (Map.Entry<Integer, List<Object>> e : step.replies().entrySet()) {
                            List<Object> reply = e.getValue();
                            long n = Replies.number(reply.get(0));
                            if (n > 0) {
                                calls.seen(e.getKey(), n);
                                last = n;
                            }
                            for (int i = 1; i < reply.size(); i++) {
                                List<Object> one = Replies.list(reply.get(i));
                                String id = Replies.string(one.get(0));
                                removed.put(
                                        id,
                                        new RemovedSession(
                                                Objects.requireNonNull(RedisSessions.record(
                                                        id, Replies.pairs(Replies.list(one.get(1))))),
                                                Replies.strings(Replies.list(one.get(2))),
                                                Replies.pairs(Replies.list(one.get(3))),
                                                n));
                            }
                        }
                        if (step.failure() != null) {
                            log.warn(
                                    "Redis at {}: a batched removal failed in some partitions (the caller removes the rest in another round): {}",
                                    calls.where(),
                                    step.failure().toString());
                        }
                        List<RemovedSession> out = new ArrayList<>(removed.size());
                        List<String[]> pairs = new ArrayList<>();
                        for (String id : sel.ids()) {
                            RemovedSession r = removed.get(id);
                            if (r != null) {
                                out.add(r);
                                r.rooms().forEach(room -> pairs.add(new String[] {room, id}));
                            }
                        }
                        long position = last;
                        boolean truncated = sel.truncated() || step.failure() != null;
                        return unlink(pairs).thenApply(v -> new RemovalBatchResult(out, position, truncated));
                    });
        });
    }

    // ------------------------------------------------------------------------------------- helpers

    /**
     * Runs {@code call} for each partition at once; completes when all have answered, with each
     * one's reply and the first failure (never exceptionally).
     */
    private <T> CompletionStage<Step<T>> all(Iterable<Integer> partitions, Function<Integer, CompletionStage<T>> call) {
        Map<Integer, CompletableFuture<T>> futures = new LinkedHashMap<>();
        for (int p : partitions) {
            CompletableFuture<T> f;
            try {
                f = call.apply(p).toCompletableFuture();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            futures.put(p, f);
        }
        return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new))
                .handle((v, e) -> {
                    Map<Integer, T> replies = new LinkedHashMap<>();
                    Throwable failure = null;
                    for (Map.Entry<Integer, CompletableFuture<T>> f : futures.entrySet()) {
                        if (f.getValue().isCompletedExceptionally()) {
                            if (failure == null) {
                                failure =
                                        f.getValue().handle((x, error) -> error).join();
                            }
                        } else {
                            replies.put(f.getKey(), f.getValue().join());
                        }
                    }
                    return new Step<>(replies, failure);
                });
    }

    /** Rethrows a step's first failure (as the stage's cause). */
    private static void failIfAny(Step<?> step) {
        Throwable failure = step.failure();
        if (failure == null) {
            return;
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (cause instanceof RuntimeException e) {
            throw e;
        }
        throw new java.util.concurrent.CompletionException(cause);
    }

    /** The items grouped by their partition, partitions in first-seen order, each group in order. */
    private static <T> Map<Integer, List<T>> byPartition(List<T> items, ToIntFunction<T> partition) {
        Map<Integer, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(partition.applyAsInt(item), p -> new ArrayList<>())
                    .add(item);
        }
        return groups;
    }

    private static List<String> distinct(List<String> items) {
        return List.copyOf(new LinkedHashSet<>(items));
    }
}
