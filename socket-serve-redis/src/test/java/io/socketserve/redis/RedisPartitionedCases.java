package io.socketserve.redis;

import static io.socketserve.spi.ContractSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.internal.Keys;
import io.socketserve.spi.EventClaim;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.Partitions;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions, membership, the event ledger, key/values and rate limits of {@link RedisBackend} with a
 * partitioned log: a session's keys and its removal entry in the session's partition, a room's keys
 * and its Join/Leave entries in the room's, every script within one partition (a Redis Cluster
 * refuses a script that touches another slot's key). Run by {@link RedisSessionsPartitionedIT} (a
 * cluster) and {@link RedisSessionsPartitionedStandaloneIT} (one Redis).
 */
abstract class RedisPartitionedCases {

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    RedisBackend backend;
    Keys keys;
    int n;
    int next;

    abstract int partitions();

    abstract RedisBackend newBackend(String prefix);

    /** One command with an integer reply, sent to the node holding its key ({@code command[1]}). */
    abstract long integer(String... command);

    abstract void flush();

    @BeforeEach
    void start() {
        String prefix = "part" + PREFIXES.incrementAndGet();
        n = partitions();
        keys = new Keys(prefix, n);
        backend = newBackend(prefix);
        get(backend.start(10_000));
    }

    @AfterEach
    void stop() {
        backend.close();
        flush();
    }

    /** A fresh name with {@code base} in partition {@code p}. */
    String in(int p, String base) {
        while (true) {
            String name = base + "-" + next++;
            if (Partitions.of(name, n) == p) {
                return name;
            }
        }
    }

    static SessionRecord record(String id) {
        return new SessionRecord(id, "hash", "/", System.currentTimeMillis(), 0, 0, Map.of("user", "u1"));
    }

    LogPosition create(String id) {
        LogPosition at = get(backend.createSessionIfRoomAt(record(id), System.currentTimeMillis() + 60_000, 0));
        assertThat(at).isNotNull();
        return at;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The entry at {@code position} of partition {@code p}'s log. */
    String entryAt(int p, long position) {
        List<LogRecord> records = get(backend.read(p, position - 1, 1)).records();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).position()).isEqualTo(position);
        return new String(records.get(0).entry(), StandardCharsets.UTF_8);
    }

    String key(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    @Test
    void createdAtIsEveryPartitionsHeadAndTheRecordKeepsItsPositions() {
        for (int p = 0; p < n; p++) {
            for (int i = 0; i <= p; i++) {
                get(backend.append(p, bytes("before-" + p)));
            }
        }
        for (int p = 0; p < n; p++) {
            String id = in(p, "s");
            LogPosition at = create(id);
            assertThat(at).isEqualTo(get(backend.heads()));
            assertThat(at.partitions()).isEqualTo(n);
            SessionRecord found = get(backend.findSession(id));
            assertThat(found).isNotNull();
            assertThat(found.createdAt()).isEqualTo(at);
            assertThat(found.cursorAt()).isEqualTo(at);
            assertThat(found.attributes()).containsEntry("user", "u1");
            LogPosition cursor = at.with((p + 1) % n, at.get((p + 1) % n) + 7);
            get(backend.setCursor(id, cursor));
            assertThat(get(backend.findSession(id)).cursorAt()).isEqualTo(cursor);
            assertThat(get(backend.findSession(id)).createdAt()).isEqualTo(at);
        }
        assertThat(get(backend.heads()).get(0)).isEqualTo(1); // creating appends nothing
    }

    @Test
    void maxSessionsCountsEveryPartition() {
        for (int p = 0; p < 3; p++) {
            create(in(p % n, "s"));
        }
        long expires = System.currentTimeMillis() + 60_000;
        assertThat(get(backend.sessionCount())).isEqualTo(3);
        for (int p = 0; p < n; p++) {
            assertThat(get(backend.createSessionIfRoomAt(record(in(p, "refused")), expires, 3)))
                    .isNull();
        }
        assertThat(get(backend.createSessionIfRoomAt(record(in(n - 1, "admitted")), expires, 4)))
                .isNotNull();
        assertThat(get(backend.createSessionIfRoom(record(in(1, "full")), expires, 4)))
                .isEqualTo(-1L);
        assertThat(get(backend.sessionCount())).isEqualTo(4);
    }

    @Test
    void joinAndLeaveGoToTheRoomsPartition() {
        String id = in(0, "s");
        create(id);
        String room = in(n - 1, "room");
        JoinResult joined = get(backend.join(id, room, 10, bytes("join")));
        assertThat(joined.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(entryAt(n - 1, joined.position())).isEqualTo("join");
        assertThat(get(backend.head(0))).isZero();
        assertThat(get(backend.roomMembers(room))).containsExactly(id);
        assertThat(get(backend.roomSize(room))).isEqualTo(1);
        assertThat(get(backend.join(id, room, 10, bytes("again"))).status()).isEqualTo(JoinResult.Status.UNCHANGED);

        MembershipSnapshot snapshot = get(backend.membership(id));
        assertThat(snapshot.exists()).isTrue();
        assertThat(snapshot.rooms()).containsExactly(room);
        assertThat(snapshot.at()).isEqualTo(get(backend.heads()));

        JoinResult left = get(backend.leave(id, room, bytes("leave")));
        assertThat(left.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(entryAt(n - 1, left.position())).isEqualTo("leave");
        assertThat(get(backend.roomMembers(room))).isEmpty();
        assertThat(get(backend.leave(id, room, bytes("again"))).status()).isEqualTo(JoinResult.Status.UNCHANGED);
        assertThat(get(backend.membership(id)).rooms()).isEmpty();
        assertThat(get(backend.head(n - 1))).isEqualTo(left.position());
    }

    @Test
    void joinChecksTheSessionAndTheRoomLimit() {
        String missing = in(1, "nobody");
        assertThat(get(backend.join(missing, in(2, "room"), 10, bytes("j"))).status())
                .isEqualTo(JoinResult.Status.NO_SESSION);
        assertThat(get(backend.leave(missing, in(2, "room"), bytes("l"))).status())
                .isEqualTo(JoinResult.Status.NO_SESSION);
        String id = in(1, "s");
        create(id);
        for (int p = 0; p < n; p++) {
            assertThat(get(backend.join(id, in(p, "room"), n, bytes("j"))).status())
                    .isEqualTo(JoinResult.Status.CHANGED);
        }
        assertThat(get(backend.join(id, in(0, "room"), n, bytes("j"))).status())
                .isEqualTo(JoinResult.Status.LIMIT_REACHED);
        assertThat(get(backend.membership(id)).rooms()).hasSize(n);
        LogPosition heads = get(backend.heads());
        for (int p = 0; p < n; p++) {
            assertThat(heads.get(p)).as("partition %d", p).isEqualTo(1);
        }
        assertThat(get(backend.roomMembers(in(0, "room")))).isEmpty();
    }

    @Test
    void membershipIsTheRoomSideOfAHalfDoneJoinWhichAJoinCompletes() {
        String id = in(2, "s");
        create(id);
        String room = in(3 % n, "room");
        // a join that failed between its two steps: the room among the session's, not a member
        assertThat(integer("SADD", key(keys.sessionRooms(id)), room)).isEqualTo(1);
        assertThat(get(backend.membership(id)).rooms()).isEmpty();
        JoinResult joined = get(backend.join(id, room, 10, bytes("join")));
        assertThat(joined.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(entryAt(3 % n, joined.position())).isEqualTo("join");
        assertThat(get(backend.membership(id)).rooms()).containsExactly(room);
    }

    @Test
    void membershipOfAMissingSession() {
        assertThat(get(backend.membership(in(0, "nobody"))).exists()).isFalse();
    }

    @Test
    void removeSessionEndsItsMembershipsAndAppendsInTheSessionsPartition() {
        String id = in(1, "s");
        create(id);
        List<String> rooms = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            rooms.add(in(p, "room"));
            assertThat(get(backend.join(id, rooms.get(p), 100, bytes("j"))).status())
                    .isEqualTo(JoinResult.Status.CHANGED);
        }
        String other = in(4 % n, "other");
        create(other);
        get(backend.join(other, rooms.get(0), 100, bytes("j")));
        assertThat(get(backend.putData(id, "k", "\"v\""))).isTrue();

        RemovedSession removed = get(backend.removeSession(id, bytes("bye")));
        assertThat(removed).isNotNull();
        assertThat(removed.rooms()).containsExactlyInAnyOrderElementsOf(rooms);
        assertThat(removed.data()).containsEntry("k", "\"v\"");
        assertThat(removed.session().attributes()).containsEntry("user", "u1");
        assertThat(entryAt(1, removed.position())).isEqualTo("bye");
        for (String room : rooms) {
            assertThat(get(backend.roomMembers(room))).doesNotContain(id);
        }
        assertThat(get(backend.roomMembers(rooms.get(0)))).containsExactly(other);
        assertThat(get(backend.removeSession(id, bytes("bye")))).isNull();
        assertThat(get(backend.findSession(id))).isNull();
        assertThat(get(backend.getData(id, "k"))).isNull();
        assertThat(get(backend.sessionCount())).isEqualTo(1);
        assertThat(get(backend.join(id, rooms.get(2), 100, bytes("j"))).status())
                .isEqualTo(JoinResult.Status.NO_SESSION);
    }

    @Test
    void expiryAndTouchesSpanEveryPartition() {
        long now = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            String id = in(p, "s");
            ids.add(id);
            get(backend.createSession(record(id), now - 1000 + p));
        }
        assertThat(get(backend.expiredSessions(now, 100))).containsExactlyElementsOf(ids);
        assertThat(get(backend.expiredSessions(now, 2))).containsExactlyElementsOf(ids.subList(0, 2));
        String room = in(n - 1, "room");
        get(backend.join(ids.get(0), room, 10, bytes("j")));
        String roomKey = key(keys.room(room));
        long before = integer("PTTL", roomKey);
        get(backend.touchSessions(ids.subList(0, n - 1), now + 3_600_000));
        assertThat(get(backend.expiredSessions(now, 100))).containsExactly(ids.get(n - 1));
        // the member set's safety TTL follows the touch, on the room's partition
        assertThat(integer("PTTL", roomKey)).isGreaterThan(before);
        assertThat(get(backend.sessionCount())).isEqualTo(n);
    }

    @Test
    void sessionDataLivesWithTheSession() {
        for (int p = 0; p < n; p++) {
            String id = in(p, "s");
            assertThat(get(backend.putData(id, "k", "1"))).isFalse();
            create(id);
            assertThat(get(backend.putData(id, "k", "1"))).isTrue();
            assertThat(get(backend.compareAndSetData(id, "k", "1", "2"))).isTrue();
            assertThat(get(backend.compareAndSetData(id, "k", "1", "3"))).isFalse();
            assertThat(get(backend.getData(id, "k"))).isEqualTo("2");
            assertThat(get(backend.getAllData(id))).isEqualTo(Map.of("k", "2"));
        }
    }

    @Test
    void appendOnceIntoAnyPartitionAppendsOncePerEventAndNumber() {
        String id = in(0, "s");
        create(id);
        long now = System.currentTimeMillis();
        assertThat(get(backend.claimEvent(id, 1, "a1", 32, now, 10_000)).state())
                .isEqualTo(EventClaim.State.CLAIMED);
        for (int p = 0; p < n; p++) {
            long first = get(backend.appendOnce(p, id, 1, 1, bytes("e1-" + p)));
            assertThat(get(backend.appendOnce(p, id, 1, 1, bytes("e1-" + p)))).isEqualTo(first);
            long second = get(backend.appendOnce(p, id, 1, 2, bytes("e2-" + p)));
            assertThat(second).isEqualTo(first + 1);
            assertThat(get(backend.appendOnce(p, id, 1, 2, bytes("e2-" + p)))).isEqualTo(second);
            assertThat(entryAt(p, first)).isEqualTo("e1-" + p);
            assertThat(get(backend.head(p))).isEqualTo(second);
        }
        // the four-argument form is partition 0
        assertThat(get(backend.appendOnce(id, 1, 1, bytes("e1-0")))).isEqualTo(1);
        get(backend.settleEvent(id, 1, "a1", bytes("answer")));
        EventClaim again = get(backend.claimEvent(id, 1, "a2", 32, now, 10_000));
        assertThat(again.state()).isEqualTo(EventClaim.State.ANSWERED);
        assertThat(new String(again.answer(), StandardCharsets.UTF_8)).isEqualTo("answer");
        assertThat(get(backend.claimEvent(in(1, "nobody"), 1, "a", 32, now, 10_000))
                        .state())
                .isEqualTo(EventClaim.State.UNKNOWN_SESSION);
    }

    @Test
    void theRecordOfAppendsIntoAnotherPartitionForgetsEventsOutOfTheWindow() {
        String id = in(0, "s");
        create(id);
        int other = n - 1;
        long first = get(backend.appendOnce(other, id, 1, 1, bytes("seq1")));
        for (long seq = 2; seq <= 200; seq++) {
            get(backend.appendOnce(other, id, seq, 1, bytes("seq" + seq)));
        }
        String record = key(keys.prefix(other)) + "ao:" + id;
        assertThat(integer("HLEN", record)).isLessThanOrEqualTo(RedisEvents.MIN_APPEND_WINDOW + 1);
        assertThat(integer("PTTL", record)).isPositive();
        assertThat(get(backend.appendOnce(other, id, 200, 1, bytes("seq200")))).isEqualTo(get(backend.head(other)));
        assertThat(first).isEqualTo(1);
    }

    @Test
    void keyValuesAndRateLimitsOfManyKeys() {
        for (int i = 0; i < 4 * n; i++) {
            String key = in(i % n, "key");
            assertThat(get(backend.kvCompareAndSet(key, null, "a", 0))).isTrue();
            assertThat(get(backend.kvCompareAndSet(key, null, "b", 0))).isFalse();
            assertThat(get(backend.kvCompareAndSet(key, "a", "b", 60_000))).isTrue();
            assertThat(get(backend.kvGet(key))).isEqualTo("b");
            get(backend.kvPut(key, "c", 60_000));
            assertThat(get(backend.kvGet(key))).isEqualTo("c");
            get(backend.kvPut(key, null, 0));
            assertThat(get(backend.kvGet(key))).isNull();
            long now = System.currentTimeMillis();
            assertThat(get(backend.tryAcquire(key, 1, 2, now))).isZero();
            assertThat(get(backend.tryAcquire(key, 1, 2, now))).isZero();
            assertThat(get(backend.tryAcquire(key, 1, 2, now))).isPositive();
        }
    }
}
