package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.TOUCH_CHUNK;
import static io.socketserve.redis.RedisCalls.bytes;
import static io.socketserve.redis.RedisCalls.flag;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SessionStore} of {@link RedisBackend}: a hash per session, a hash of its data, and a
 * sorted set of sessions by expiry; creation, touches, cursors, data writes and removal are scripts
 * (removal also deletes the memberships and appends the entry). Every session key carries a safety
 * TTL of {@value RedisBackend#SAFETY_TTL_FACTOR} times the time to the session's expiry.
 *
 * <h2>A partitioned log</h2>
 *
 * <p>With {@link RedisBackendOptions#partitions()} {@code > 1}, a session's keys (record, rooms, data,
 * ledger, its entry in the expiry and namespace indexes) live in the session's partition ({@link
 * Keys#sessionPartition}); positions in the record ({@code cp}, {@code cu}, {@code v}) are {@link
 * LogPosition} text. A script touches one partition only, so:
 *
 * <ul>
 *   <li>{@link #createSessionIfRoomAt} first reads every other partition's head and session count (in
 *       parallel, one script each), then creates the session on its partition in a script that
 *       reads that partition's head: the creation position is the heads read before, with the
 *       session's own component read atomically with the creation. Entries appended to another
 *       partition between the two steps lie after the creation position and may reach the session
 *       (harmless: nothing addressed to it can exist yet); none before it is ever missed. The {@code
 *       maxSessions} check is the session partition's count plus the counts read before: under
 *       concurrent creations in several partitions it is approximate, as the default of {@link
 *       SessionStore#createSessionIfRoom} is.
 *   <li>{@link #touchSessions} runs per session partition, then raises the TTLs of the sessions'
 *       room keys (members, presence) on the rooms' partitions, in a second step.
 *   <li>{@link #removeSession} removes the session on its partition (the record, its rooms, data and
 *       ledger, the removal entry appended there: {@link RemovedSession#position()} is that
 *       partition's), then the session from its rooms' member sets, one script per room partition.
 *       Should that second step fail, the removal still completes (it happened, and only one caller
 *       may see it): the member sets keep the id until their safety TTL, and a warning is logged.
 *   <li>{@link #sessionCount} sums, {@link #expiredSessions} merges the partitions' indexes.
 * </ul>
 */
final class RedisSessions implements SessionStore {

    private static final Logger log = LoggerFactory.getLogger(RedisSessions.class);

    private static final long MIN_SAFETY_TTL_MS = Duration.ofMinutes(5).toMillis();
    private static final long MAX_SAFETY_TTL_MS = Duration.ofDays(30).toMillis();

    private final RedisCalls calls;
    private final Keys keys;

    RedisSessions(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<Long> createSession(SessionRecord session, long expiresAtMillis) {
        return createSessionIfRoom(session, expiresAtMillis, 0);
    }

    /**
     * The count check runs in the creating script: one round trip per connect (issue 16). With a
     * partitioned log, completes with partition 0's component of {@link #createSessionIfRoomAt}.
     */
    @Override
    public CompletionStage<Long> createSessionIfRoom(SessionRecord session, long expiresAtMillis, long maxSessions) {
        if (keys.partitions() > 1) {
            return createSessionIfRoomAt(session, expiresAtMillis, maxSessions)
                    .thenApply(at -> at == null ? -1L : at.get(0));
        }
        return calls.script(
                Script.CREATE_SESSION,
                r -> (Long) r < 0 ? -1L : calls.seen((Long) r),
                createArgs(session, expiresAtMillis, maxSessions, null, "", ""));
    }

    /**
     * With one partition the {@code create_session} script counts and creates; with several the
     * other partitions' counts are read in a step before (see the class comment).
     */
    @Override
    public boolean admitsAtomically() {
        return keys.partitions() == 1;
    }

    /** {@code maxSessions} 0 means no limit, as in {@link #createSessionIfRoom}. */
    @Override
    public CompletionStage<@Nullable LogPosition> createSessionIfRoomAt(
            SessionRecord session, long expiresAtMillis, long maxSessions) {
        int n = keys.partitions();
        if (n == 1) {
            return createSessionIfRoom(session, expiresAtMillis, maxSessions)
                    .thenApply(position -> position < 0 ? null : LogPosition.of(position));
        }
        int own = keys.sessionPartition(session.id());
        long[] heads = new long[n];
        long[] counts = new long[n];
        List<CompletableFuture<?>> reads = new ArrayList<>(n - 1);
        for (int p = 0; p < n; p++) {
            if (p == own) {
                continue;
            }
            int partition = p;
            reads.add(calls.<Object, Void>script(
                            Script.PARTITION_VIEW,
                            partition,
                            r -> {
                                List<Object> reply = Replies.list(r);
                                heads[partition] = calls.seen(partition, Replies.number(reply.get(0)));
                                counts[partition] = Replies.number(reply.get(1));
                                return null;
                            },
                            bytes(session.id()))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(read -> {
            long others = 0;
            for (long c : counts) {
                others += c;
            }
            long left = maxSessions - others;
            if (maxSessions > 0 && left <= 0) {
                return CompletableFuture.completedFuture(null);
            }
            StringBuilder before = new StringBuilder();
            for (int p = 0; p < own; p++) {
                before.append(Long.toString(heads[p], 36)).append('.');
            }
            StringBuilder after = new StringBuilder();
            for (int p = own + 1; p < n; p++) {
                after.append('.').append(Long.toString(heads[p], 36));
            }
            return calls.<Long, @Nullable LogPosition>script(
                    Script.CREATE_SESSION,
                    own,
                    r -> {
                        if (r < 0) {
                            return null;
                        }
                        heads[own] = calls.seen(own, r);
                        return LogPosition.of(heads);
                    },
                    createArgs(
                            session,
                            expiresAtMillis,
                            maxSessions > 0 ? left : 0,
                            "1",
                            before.toString(),
                            after.toString()));
        });
    }

    private byte[][] createArgs(
            SessionRecord session,
            long expiresAtMillis,
            long maxSessions,
            @Nullable String partitioned,
            String before,
            String after) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(session.id()));
        args.add(bytes(Long.toString(expiresAtMillis)));
        args.add(safetyTtl(expiresAtMillis));
        args.add(bytes(session.secretHash()));
        args.add(bytes(session.namespace()));
        args.add(bytes(Long.toString(session.createdMillis())));
        args.add(bytes(Long.toString(maxSessions)));
        args.add(bytes(partitioned == null ? "0" : partitioned));
        args.add(bytes(before));
        args.add(bytes(after));
        session.attributes().forEach((k, v) -> {
            args.add(bytes(k));
            args.add(bytes(v));
        });
        return args.toArray(byte[][]::new);
    }

    @Override
    public CompletionStage<@Nullable SessionRecord> findSession(String id) {
        return calls.call(() -> calls.commands().hgetall(keys.session(id)), r -> record(id, Replies.strings(r)));
    }

    /** The record stored in a session hash, or {@code null} for an empty one. */
    static @Nullable SessionRecord record(String id, Map<String, String> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        Map<String, String> attributes = new HashMap<>();
        fields.forEach((k, v) -> {
            if (k.startsWith("a:")) {
                attributes.put(k.substring(2), v);
            }
        });
        return new SessionRecord(
                id,
                fields.getOrDefault("h", ""),
                fields.getOrDefault("ns", "/"),
                Long.parseLong(fields.getOrDefault("cm", "0")),
                position(fields.getOrDefault("cp", "0")),
                position(fields.getOrDefault("cu", "0")),
                attributes);
    }

    /**
     * A position stored in a session hash: {@link LogPosition#encode()} text, whose partition count
     * is its number of components (a single-partition position is decimal, as before partitions).
     */
    static LogPosition position(String text) {
        int components = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '.') {
                components++;
            }
        }
        return LogPosition.parse(text, components);
    }

    @Override
    public CompletionStage<Void> touchSessions(Collection<String> ids, long expiresAtMillis) {
        List<String> all = List.copyOf(ids);
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] expiresAt = bytes(Long.toString(expiresAtMillis));
        byte[] ttl = safetyTtl(expiresAtMillis);
        if (keys.partitions() > 1) {
            return touchPartitioned(all, expiresAt, ttl);
        }
        List<CompletableFuture<Object>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += TOUCH_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + TOUCH_CHUNK));
            List<byte[]> args = new ArrayList<>(chunk.size() + 2);
            args.add(expiresAt);
            args.add(ttl);
            args.add(flag(false));
            chunk.forEach(id -> args.add(bytes(id)));
            chunks.add(calls.script(Script.TOUCH_SESSIONS, r -> r, args.toArray(byte[][]::new))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new));
    }

    /**
     * Touches the sessions per session partition; those scripts return the rooms the sessions are
     * members of or present in, whose keys then get the safety TTL on their own partitions.
     */
    private CompletionStage<Void> touchPartitioned(List<String> all, byte[] expiresAt, byte[] ttl) {
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (String id : all) {
            byPartition
                    .computeIfAbsent(keys.sessionPartition(id), p -> new ArrayList<>())
                    .add(id);
        }
        Map<Integer, Set<String>> memberRooms = new TreeMap<>();
        Map<Integer, Set<String>> presenceRooms = new TreeMap<>();
        List<CompletableFuture<Void>> chunks = new ArrayList<>();
        byPartition.forEach((p, sessionIds) -> {
            for (int from = 0; from < sessionIds.size(); from += TOUCH_CHUNK) {
                List<String> chunk = sessionIds.subList(from, Math.min(sessionIds.size(), from + TOUCH_CHUNK));
                List<byte[]> args = new ArrayList<>(chunk.size() + 3);
                args.add(expiresAt);
                args.add(ttl);
                args.add(flag(true));
                chunk.forEach(id -> args.add(bytes(id)));
                chunks.add(calls.<Object, Void>script(
                                Script.TOUCH_SESSIONS_SPLIT,
                                p,
                                r -> {
                                    List<Object> reply = Replies.list(r);
                                    synchronized (memberRooms) {
                                        collect(Replies.list(reply.get(0)), memberRooms);
                                        collect(Replies.list(reply.get(1)), presenceRooms);
                                    }
                                    return null;
                                },
                                args.toArray(byte[][]::new))
                        .toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new)).thenCompose(touched -> {
            Set<Integer> partitions = new TreeSet<>(memberRooms.keySet());
            partitions.addAll(presenceRooms.keySet());
            List<CompletableFuture<Object>> rooms = new ArrayList<>();
            for (int p : partitions) {
                List<String> members = List.copyOf(memberRooms.getOrDefault(p, Set.of()));
                List<String> present = List.copyOf(presenceRooms.getOrDefault(p, Set.of()));
                List<byte[]> args = new ArrayList<>(members.size() + present.size() + 2);
                args.add(ttl);
                args.add(bytes(Integer.toString(members.size())));
                members.forEach(room -> args.add(bytes(room)));
                present.forEach(room -> args.add(bytes(room)));
                rooms.add(calls.script(Script.TOUCH_ROOMS, p, r -> r, args.toArray(byte[][]::new))
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(rooms.toArray(CompletableFuture[]::new));
        });
    }

    private void collect(List<Object> rooms, Map<Integer, Set<String>> byPartition) {
        for (Object room : rooms) {
            String name = Replies.string(room);
            byPartition
                    .computeIfAbsent(keys.roomPartition(name), p -> new TreeSet<>())
                    .add(name);
        }
    }

    @Override
    public CompletionStage<List<String>> expiredSessions(long nowMillis, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max < 1: " + max);
        }
        Range<Long> range = Range.from(Range.Boundary.unbounded(), Range.Boundary.including(nowMillis));
        int n = keys.partitions();
        if (n == 1) {
            return calls.call(
                    () -> calls.commands().zrangebyscore(keys.expiry(), range, Limit.create(0, max)),
                    Replies::stringList);
        }
        // the first max of every partition, merged by expiry: the first max overall
        List<CompletableFuture<List<ScoredValue<byte[]>>>> reads = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            byte[] index = keys.expiry(p);
            reads.add(calls.call(
                            () -> calls.commands().zrangebyscoreWithScores(index, range, Limit.create(0, max)), r -> r)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<ScoredValue<byte[]>> due = new ArrayList<>();
            reads.forEach(read -> due.addAll(read.join()));
            due.sort(Comparator.comparingDouble(ScoredValue::getScore));
            List<String> ids = new ArrayList<>(Math.min(max, due.size()));
            for (int i = 0; i < due.size() && i < max; i++) {
                ids.add(new String(due.get(i).getValue(), StandardCharsets.UTF_8));
            }
            return ids;
        });
    }

    /** With a partitioned log, stores the decimal text: a single-partition position, as the in-memory backend does. */
    @Override
    public CompletionStage<Void> setCursor(String id, long position) {
        return calls.script(
                Script.SET_CURSOR, keys.sessionPartition(id), r -> null, bytes(id), bytes(Long.toString(position)));
    }

    @Override
    public CompletionStage<Void> setCursor(String id, LogPosition position) {
        return calls.script(
                Script.SET_CURSOR, keys.sessionPartition(id), r -> null, bytes(id), bytes(position.encode()));
    }

    @Override
    public CompletionStage<@Nullable RemovedSession> removeSession(String id, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        int own = keys.sessionPartition(id);
        boolean partitioned = keys.partitions() > 1;
        CompletionStage<@Nullable RemovedSession> removed = calls.script(
                Script.REMOVE_SESSION,
                own,
                r -> {
                    List<Object> reply = Replies.list(r);
                    long position = Replies.number(reply.get(0));
                    if (position == 0) {
                        return null;
                    }
                    calls.seen(own, position);
                    SessionRecord record = record(id, Replies.pairs(Replies.list(reply.get(1))));
                    return new RemovedSession(
                            Objects.requireNonNull(record),
                            Replies.strings(Replies.list(reply.get(2))),
                            Replies.pairs(Replies.list(reply.get(3))),
                            position);
                },
                partitioned ? new byte[][] {bytes(id), entry, flag(true)} : new byte[][] {bytes(id), entry});
        if (!partitioned) {
            return removed;
        }
        return removed.thenCompose(session -> {
            if (session == null || session.rooms().isEmpty()) {
                return CompletableFuture.completedFuture(session);
            }
            Map<Integer, List<String>> byPartition = new TreeMap<>();
            for (String room : session.rooms()) {
                byPartition
                        .computeIfAbsent(keys.roomPartition(room), p -> new ArrayList<>())
                        .add(room);
            }
            List<CompletableFuture<Object>> unjoins = new ArrayList<>();
            byPartition.forEach((p, rooms) -> {
                List<byte[]> args = new ArrayList<>(rooms.size() + 1);
                args.add(bytes(id));
                rooms.forEach(room -> args.add(bytes(room)));
                unjoins.add(calls.script(Script.REMOVE_MEMBERS, p, r -> r, args.toArray(byte[][]::new))
                        .toCompletableFuture());
            });
            return CompletableFuture.allOf(unjoins.toArray(CompletableFuture[]::new))
                    .handle((done, error) -> {
                        if (error != null) {
                            log.warn(
                                    "A removed session stays in the member sets of some of its {} room(s) until"
                                            + " their safety TTL: {}",
                                    session.rooms().size(),
                                    error.toString());
                        }
                        return session;
                    });
        });
    }

    @Override
    public CompletionStage<Long> sessionCount() {
        int n = keys.partitions();
        if (n == 1) {
            return calls.call(() -> calls.commands().zcard(keys.expiry()), r -> r);
        }
        List<CompletableFuture<Long>> counts = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            byte[] index = keys.expiry(p);
            counts.add(calls.call(() -> calls.commands().zcard(index), r -> r).toCompletableFuture());
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
                .thenApply(done ->
                        counts.stream().mapToLong(CompletableFuture::join).sum());
    }

    // -------------------------------------------------------------------------------- session data

    @Override
    public CompletionStage<@Nullable String> getData(String id, String key) {
        return calls.call(() -> calls.commands().hget(keys.sessionData(id), bytes(key)), Replies::stringOrNull);
    }

    @Override
    public CompletionStage<Map<String, String>> getAllData(String id) {
        return calls.call(() -> calls.commands().hgetall(keys.sessionData(id)), Replies::strings);
    }

    @Override
    public CompletionStage<Boolean> putData(String id, String key, @Nullable String value) {
        return calls.script(
                Script.PUT_DATA,
                keys.sessionPartition(id),
                r -> (Long) r == 1L,
                bytes(id),
                bytes(key),
                flag(value != null),
                bytes(value == null ? "" : value));
    }

    @Override
    public CompletionStage<Boolean> compareAndSetData(
            String id, String key, @Nullable String expected, @Nullable String update) {
        return calls.script(
                Script.CAS_DATA,
                keys.sessionPartition(id),
                r -> (Long) r == 1L,
                bytes(id),
                bytes(key),
                flag(expected != null),
                bytes(expected == null ? "" : expected),
                flag(update != null),
                bytes(update == null ? "" : update));
    }

    private static byte[] safetyTtl(long expiresAtMillis) {
        long left = Math.max(0, expiresAtMillis - System.currentTimeMillis());
        long ttl = left > MAX_SAFETY_TTL_MS / RedisBackend.SAFETY_TTL_FACTOR
                ? MAX_SAFETY_TTL_MS
                : left * RedisBackend.SAFETY_TTL_FACTOR;
        return bytes(Long.toString(Math.max(MIN_SAFETY_TTL_MS, ttl)));
    }
}
