package io.socketserve.redis;

import static io.socketserve.redis.RedisCalls.bytes;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.internal.Replies;
import io.socketserve.redis.internal.Scripts.Script;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.MembershipStore;
import io.socketserve.spi.SessionAttach;
import io.socketserve.spi.SessionRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link MembershipStore} of {@link RedisBackend}: a set of rooms per session and a set of
 * members per room; join, leave and the snapshot with its version are scripts, the room reads are
 * plain commands.
 *
 * <h2>A partitioned log</h2>
 *
 * <p>With {@link RedisBackendOptions#partitions()} {@code > 1} the session's rooms ({@code sr:<id>})
 * live in the session's partition, the room's members ({@code r:<room>}) and its Join/Leave entries
 * in the room's partition, and a script touches one partition only. The room side is the truth; the
 * session's rooms are kept a superset of it:
 *
 * <ul>
 *   <li>{@link #join}: on the session's partition, check the session and the room limit and add the
 *       room to its rooms; then on the room's partition add the member and append the Join entry
 *       (also when the room was among the session's rooms already: an earlier join may have failed
 *       between the two steps). A session removed between the two steps would leave its id in the
 *       member set, so a join that changed the room side checks afterwards that the session still
 *       exists, and removes the member again if not (the Join entry stays in the log).
 *   <li>{@link #leave}: on the room's partition remove the member and append the Leave entry; then
 *       remove the room from the session's rooms.
 *   <li>{@link #membership}: reads the session's rooms with a counter of their changes, then on every
 *       partition its head together with which of the candidate rooms of that partition have the
 *       session as a member (one script each, in parallel), then the counter again; if it moved, all
 *       again. Per partition the rooms are then exactly those at the head read there (every Join
 *       at or before that head had added its room to the session's rooms before, so the room was a
 *       candidate), and the heads are the snapshot's position.
 * </ul>
 *
 * <p>Known race: a join and a leave of the same room by the same session running at the same time
 * (from two instances) can interleave so that the member set has the session while the session's
 * rooms do not; it is then a member the snapshot and the removal do not see, until the room's key
 * expires. The engine issues a session's joins and leaves of one room in order.
 */
final class RedisMembership implements MembershipStore {

    /** How often {@link #membership} reads again when the session's rooms keep changing meanwhile. */
    static final int MEMBERSHIP_ATTEMPTS = 16;

    private final RedisCalls calls;
    private final Keys keys;

    RedisMembership(RedisCalls calls) {
        this.calls = calls;
        this.keys = calls.keys();
    }

    @Override
    public CompletionStage<JoinResult> join(String id, String room, int maxRooms, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        if (keys.partitions() > 1) {
            return joinPartitioned(id, room, maxRooms, entry);
        }
        return calls.script(
                Script.JOIN, this::joinResult, bytes(id), bytes(room), bytes(Integer.toString(maxRooms)), entry);
    }

    @Override
    public CompletionStage<JoinResult> leave(String id, String room, byte[] entry) {
        Objects.requireNonNull(entry, "entry == null");
        if (keys.partitions() > 1) {
            return leavePartitioned(id, room, entry);
        }
        return calls.script(Script.LEAVE, this::joinResult, bytes(id), bytes(room), entry);
    }

    private JoinResult joinResult(Object r) {
        return joinResult(0, r);
    }

    /** The reply of join/leave scripts: {0, position} CHANGED (in partition p), {1}, {2}, {3}. */
    private JoinResult joinResult(int p, Object r) {
        List<Object> reply = Replies.list(r);
        switch ((int) Replies.number(reply.get(0))) {
            case 0:
                return JoinResult.changed(calls.seen(p, Replies.number(reply.get(1))));
            case 1:
                return JoinResult.of(JoinResult.Status.UNCHANGED);
            case 2:
                return JoinResult.of(JoinResult.Status.LIMIT_REACHED);
            default:
                return JoinResult.of(JoinResult.Status.NO_SESSION);
        }
    }

    private CompletionStage<JoinResult> joinPartitioned(String id, String room, int maxRooms, byte[] entry) {
        int own = keys.sessionPartition(id);
        int roomPartition = keys.roomPartition(room);
        return calls.<Object, List<Object>>script(
                        Script.JOIN_SESSION,
                        own,
                        Replies::list,
                        bytes(id),
                        bytes(room),
                        bytes(Integer.toString(maxRooms)))
                .thenCompose(session -> {
                    long status = Replies.number(session.get(0));
                    if (status == 2) {
                        return CompletableFuture.completedFuture(JoinResult.of(JoinResult.Status.LIMIT_REACHED));
                    }
                    if (status == 3) {
                        return CompletableFuture.completedFuture(JoinResult.of(JoinResult.Status.NO_SESSION));
                    }
                    long ttl = Replies.number(session.get(1));
                    return calls.<Object, JoinResult>script(
                                    Script.JOIN_ROOM,
                                    roomPartition,
                                    r -> joinResult(roomPartition, r),
                                    bytes(id),
                                    bytes(room),
                                    bytes(Long.toString(ttl)),
                                    entry)
                            .thenCompose(joined -> joined.status() == JoinResult.Status.CHANGED
                                    ? stillExists(id, room, joined)
                                    : CompletableFuture.completedFuture(joined));
                });
    }

    /**
     * After a join changed the room side: a removal of the session that ran between the two steps
     * did not see the new member; take it out again if the session is gone.
     */
    private CompletionStage<JoinResult> stillExists(String id, String room, JoinResult joined) {
        byte[] record = keys.session(id);
        return calls.call(() -> calls.commands().exists(record), r -> r).thenCompose(exists -> {
            if (exists > 0) {
                return CompletableFuture.completedFuture(joined);
            }
            byte[] members = keys.room(room);
            return calls.call(() -> calls.commands().srem(members, bytes(id)), r -> joined);
        });
    }

    private CompletionStage<JoinResult> leavePartitioned(String id, String room, byte[] entry) {
        int own = keys.sessionPartition(id);
        int roomPartition = keys.roomPartition(room);
        return calls.<Object, JoinResult>script(
                        Script.LEAVE_ROOM,
                        roomPartition,
                        r -> joinResult(roomPartition, r),
                        bytes(id),
                        bytes(room),
                        entry)
                .thenCompose(left -> {
                    if (left.status() == JoinResult.Status.CHANGED) {
                        return calls.script(Script.LEAVE_SESSION, own, r -> left, bytes(id), bytes(room));
                    }
                    // not a member: the session's rooms stay as they are (a join may be between its
                    // two steps); only tell a missing session apart
                    byte[] record = keys.session(id);
                    return calls.call(
                            () -> calls.commands().exists(record),
                            r -> r > 0 ? left : JoinResult.of(JoinResult.Status.NO_SESSION));
                });
    }

    @Override
    public CompletionStage<MembershipSnapshot> membership(String id) {
        if (keys.partitions() > 1) {
            return membershipPartitioned(id, 1);
        }
        return calls.script(
                Script.MEMBERSHIP,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return MembershipSnapshot.missing();
                    }
                    return new MembershipSnapshot(
                            true,
                            Replies.strings(Replies.list(reply.get(2))),
                            LogPosition.of(Replies.number(reply.get(1))),
                            Replies.number(reply.get(3)) != 0);
                },
                bytes(id));
    }

    /** The record and the membership in one script; a single partition only (issue 16). */
    CompletionStage<SessionAttach> sessionWithMembership(String id) {
        return calls.script(
                Script.SESSION_MEMBERSHIP,
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return SessionAttach.missing();
                    }
                    Map<String, String> fields = Replies.pairs(Replies.list(reply.get(1)));
                    SessionRecord record = RedisSessions.record(id, fields);
                    String version = fields.get("v");
                    if (record == null || version == null) {
                        return SessionAttach.missing();
                    }
                    return new SessionAttach(
                            record,
                            new MembershipSnapshot(
                                    true,
                                    Replies.strings(Replies.list(reply.get(2))),
                                    LogPosition.of(Long.parseLong(version)),
                                    Replies.number(reply.get(3)) != 0));
                },
                bytes(id));
    }

    /**
     * {@link #sessionWithMembership} over partitions: the record and the session side of its rooms
     * in one script on the session's partition. A session whose rooms never changed ({@code sv}
     * absent, no room) had none at any position up to now, so its rooms are exact, empty, at its
     * creation position: one round trip, which is every stream attach that comes before the
     * session's first join (a set-up, issue 16). Any other reads the room sides as {@link
     * #membership} does.
     */
    CompletionStage<SessionAttach> sessionWithMembershipPartitioned(String id) {
        return calls.<Object, Attach>script(
                        Script.SESSION_MEMBERSHIP,
                        keys.sessionPartition(id),
                        r -> {
                            List<Object> reply = Replies.list(r);
                            if (Replies.number(reply.get(0)) == 0) {
                                return new Attach(null, null);
                            }
                            Map<String, String> fields = Replies.pairs(Replies.list(reply.get(1)));
                            SessionRecord record = RedisSessions.record(id, fields);
                            if (record == null) {
                                return new Attach(null, null);
                            }
                            SessionRooms side = new SessionRooms(
                                    Long.parseLong(fields.getOrDefault("sv", "0")),
                                    Replies.strings(Replies.list(reply.get(2))),
                                    record.createdAt());
                            if (side.neverChanged()) {
                                // presence keys live on the rooms' partitions: "may have"
                                return new Attach(record, new MembershipSnapshot(true, Set.of(), side.created(), true));
                            }
                            return new Attach(record, null);
                        },
                        bytes(id))
                .thenCompose(read -> {
                    SessionRecord record = read.record();
                    if (record == null) {
                        return CompletableFuture.completedFuture(SessionAttach.missing());
                    }
                    MembershipSnapshot known = read.membership();
                    if (known != null) {
                        return CompletableFuture.completedFuture(new SessionAttach(record, known));
                    }
                    return membershipPartitioned(id, 1)
                            .thenApply(m -> m.exists() ? new SessionAttach(record, m) : SessionAttach.missing());
                });
    }

    /** The record read on the session's partition and, where it settles them, its rooms. */
    private record Attach(@Nullable SessionRecord record, @Nullable MembershipSnapshot membership) {}

    /**
     * The session side: {@code null} when there is no such session, else {change counter, rooms,
     * creation position}.
     */
    private record SessionRooms(long changes, Set<String> rooms, LogPosition created) {

        /**
         * Its rooms never changed: it had none at any position up to this read, so its membership is
         * exact, empty, at its creation position, without reading any room side (issue 16: the
         * stream attach of a set-up comes before the session's first join).
         */
        boolean neverChanged() {
            return changes == 0 && rooms.isEmpty();
        }
    }

    private CompletionStage<SessionRooms> sessionRooms(String id) {
        return calls.script(
                Script.SESSION_ROOMS,
                keys.sessionPartition(id),
                r -> {
                    List<Object> reply = Replies.list(r);
                    if (Replies.number(reply.get(0)) == 0) {
                        return null;
                    }
                    return new SessionRooms(
                            Replies.number(reply.get(1)),
                            Replies.strings(Replies.list(reply.get(2))),
                            RedisSessions.position(Replies.string(reply.get(3))));
                },
                bytes(id));
    }

    private CompletionStage<MembershipSnapshot> membershipPartitioned(String id, int attempt) {
        return sessionRooms(id).thenCompose(first -> {
            if (first == null) {
                return CompletableFuture.completedFuture(MembershipSnapshot.missing());
            }
            if (first.neverChanged()) {
                // presence keys live on the rooms' partitions: "may have"
                return CompletableFuture.completedFuture(new MembershipSnapshot(true, Set.of(), first.created(), true));
            }
            int n = keys.partitions();
            List<List<String>> candidates = new ArrayList<>(n);
            for (int p = 0; p < n; p++) {
                candidates.add(new ArrayList<>());
            }
            first.rooms()
                    .forEach(room -> candidates.get(keys.roomPartition(room)).add(room));
            long[] heads = new long[n];
            Set<String> rooms = new HashSet<>();
            List<CompletableFuture<Void>> views = new ArrayList<>(n);
            for (int p = 0; p < n; p++) {
                int partition = p;
                List<byte[]> args = new ArrayList<>(candidates.get(p).size() + 1);
                args.add(bytes(id));
                candidates.get(p).forEach(room -> args.add(bytes(room)));
                views.add(calls.<Object, Void>script(
                                Script.PARTITION_VIEW,
                                partition,
                                r -> {
                                    List<Object> reply = Replies.list(r);
                                    heads[partition] = calls.seen(partition, Replies.number(reply.get(0)));
                                    synchronized (rooms) {
                                        for (int i = 2; i < reply.size(); i++) {
                                            rooms.add(Replies.string(reply.get(i)));
                                        }
                                    }
                                    return null;
                                },
                                args.toArray(byte[][]::new))
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                    .thenCompose(read -> sessionRooms(id))
                    .thenCompose(again -> {
                        if (again == null) {
                            return CompletableFuture.completedFuture(MembershipSnapshot.missing());
                        }
                        if (again.changes() == first.changes()) {
                            synchronized (rooms) {
                                return CompletableFuture.completedFuture(
                                        new MembershipSnapshot(true, rooms, LogPosition.of(heads)));
                            }
                        }
                        if (attempt >= MEMBERSHIP_ATTEMPTS) {
                            return CompletableFuture.failedFuture(
                                    new BackendUnavailableException("the rooms of session " + id
                                            + " kept changing while they were read (" + attempt + " attempts)"));
                        }
                        return membershipPartitioned(id, attempt + 1);
                    });
        });
    }

    @Override
    public CompletionStage<java.util.Set<String>> roomMembers(String room) {
        return calls.call(() -> calls.commands().smembers(keys.room(room)), Replies::strings);
    }

    @Override
    public CompletionStage<Long> roomSize(String room) {
        return calls.call(() -> calls.commands().scard(keys.room(room)), r -> r);
    }
}
