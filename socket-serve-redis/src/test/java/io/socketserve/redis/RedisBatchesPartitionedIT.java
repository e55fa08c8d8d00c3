package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.MembershipBatchResult;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.RemovedSession;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The batched operations ({@link RedisPartitionedBatches}) on a log of {@value #P} partitions over a
 * real 3-master Redis Cluster: results, the keys on both sides (a session's in its partition, a
 * room's in the room's), and that each entry lands in the right partition's log (a membership batch
 * in each partition of its rooms, listing that partition's changes; a removal batch in each partition
 * of its sessions). Sessions and memberships are laid out with plain commands, key by key, as the
 * single-session operations store them.
 */
class RedisBatchesPartitionedIT {

    static final int P = 6;

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses(3, 2000);

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final byte[] PREFIX = {1, 6, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ZERO = LogPosition.zero(P).encode();

    private String prefix;
    private Keys keys;
    private RedisBackend backend;
    private final List<RedisBackend> others = new ArrayList<>();

    @BeforeEach
    void start() {
        prefix = "pb" + PREFIXES.incrementAndGet();
        keys = new Keys(prefix, P);
        backend = newBackend();
    }

    @AfterEach
    void stop() {
        backend.close();
        others.forEach(RedisBackend::close);
        cluster.flushAll();
    }

    private RedisBackend newBackend() {
        RedisBackend b = new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris().subList(0, 2))
                .keyPrefix(prefix)
                .partitions(P)
                .build());
        get(b.start(10_000));
        return b;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------ fixture

    private Object raw(String key, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = args[0];
        command[1] = key;
        System.arraycopy(args, 1, command, 2, args.length - 1);
        return cluster.command(cluster.masterFor(key), command);
    }

    private String sessionKey(String kind, String id) {
        return keys.prefixString(keys.sessionPartition(id)) + kind + ":" + id;
    }

    private String roomKey(String room) {
        return keys.prefixString(keys.roomPartition(room)) + "r:" + room;
    }

    /** A session stored as createSession stores it, member of {@code rooms} on both sides. */
    private String session(String id, String namespace, String... rooms) {
        int p = keys.sessionPartition(id);
        raw(sessionKey("s", id), "HSET", "h", "hash", "ns", namespace, "cm", "1", "cp", ZERO, "cu", ZERO, "v", ZERO);
        raw(sessionKey("s", id), "PEXPIRE", "600000");
        raw(keys.prefixString(p) + "exp", "ZADD", Long.toString(System.currentTimeMillis() + 600_000), id);
        raw(keys.prefixString(p) + "ns:" + namespace, "SADD", id);
        for (String room : rooms) {
            raw(sessionKey("sr", id), "SADD", room);
            raw(roomKey(room), "SADD", id);
        }
        return id;
    }

    /** {@code n} sessions of "/" whose ids fall into at least three partitions. */
    private List<String> sessions(String tag, int n, String... rooms) {
        List<String> ids = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String id = tag + "-" + i;
            ids.add(session(id, "/", rooms));
            partitions.add(keys.sessionPartition(id));
        }
        assertThat(partitions).as("partitions of the sessions").hasSizeGreaterThanOrEqualTo(3);
        return ids;
    }

    /** {@code n} room names in distinct partitions. */
    private List<String> roomsInDistinctPartitions(String tag, int n) {
        Map<Integer, String> byPartition = new LinkedHashMap<>();
        for (int i = 0; byPartition.size() < n; i++) {
            byPartition.putIfAbsent(keys.roomPartition(tag + i), tag + i);
        }
        return List.copyOf(byPartition.values());
    }

    @SuppressWarnings("unchecked")
    private Set<String> smembers(String key) {
        return new HashSet<>((List<String>) raw(key, "SMEMBERS"));
    }

    /** The record's count of changes to the session's rooms (what membership watches). */
    private long roomsChanged(String id) {
        Object sv = raw(sessionKey("s", id), "HGET", "sv");
        return sv == null ? 0 : Long.parseLong((String) sv);
    }

    /** Each partition's entries after position 0, with the JSON after the prefix. */
    private Map<Integer, List<JsonNode>> entries() {
        Map<Integer, List<JsonNode>> out = new LinkedHashMap<>();
        for (int p = 0; p < P; p++) {
            List<JsonNode> bodies = new ArrayList<>();
            for (LogRecord r : get(backend.read(p, 0, 1000)).records()) {
                byte[] e = r.entry();
                assertThat(Arrays.copyOf(e, PREFIX.length)).isEqualTo(PREFIX);
                try {
                    bodies.add(JSON.readTree(Arrays.copyOfRange(e, PREFIX.length, e.length)));
                } catch (IOException ex) {
                    throw new AssertionError(ex);
                }
            }
            out.put(p, bodies);
        }
        return out;
    }

    private static List<MembershipChange> changes(JsonNode body) {
        List<MembershipChange> out = new ArrayList<>();
        for (JsonNode c : body.get("c")) {
            out.add(new MembershipChange(
                    c.get(0).asText(), c.get(1).asText(), c.get(2).asBoolean()));
        }
        return out;
    }

    /** Each session's changes among {@code changes} come in the order of {@code rooms}. */
    private static void assertRoomOrder(List<MembershipChange> changes, List<String> rooms) {
        Map<String, List<String>> bySession = new LinkedHashMap<>();
        changes.forEach(c ->
                bySession.computeIfAbsent(c.session(), id -> new ArrayList<>()).add(c.room()));
        bySession.forEach((id, its) -> assertThat(its)
                .as("rooms of %s in order", id)
                .isEqualTo(rooms.stream().filter(its::contains).toList()));
    }

    // ---------------------------------------------------------------------------------- selection

    @Test
    void aSelectionOfTheNamespaceHoldsItsSessionsInEveryPartition() {
        List<String> ids = sessions("a", 24);
        String chat = session("chat-1", "/chat");
        assertThat(get(backend.selectSessions(Selection.all("/", 1000)))).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(backend.selectSessions(Selection.all("/chat", 1000)))).containsExactly(chat);
        List<String> ten = get(backend.selectSessions(Selection.all("/", 10)));
        assertThat(ten).hasSize(10).doesNotHaveDuplicates();
        assertThat(ids).containsAll(ten);
    }

    @Test
    void aSelectionAppliesRoomsExceptionsAndIdsAcrossPartitions() {
        List<String> rooms = roomsInDistinctPartitions("room", 3);
        String a = session("sel-a", "/", rooms.get(0));
        String b = session("sel-b", "/", rooms.get(1), "muted");
        String c = session("sel-c", "/", rooms.get(2));
        String d = session("sel-d", "/", rooms.get(0), rooms.get(1));
        String e = session("sel-e", "/");
        assertThat(get(backend.selectSessions(Selection.rooms("/", rooms, 1000))))
                .containsExactlyInAnyOrder(a, b, c, d);
        Selection except = new Selection("/", rooms, List.of("muted", c), List.of(d), 1000);
        assertThat(get(backend.selectSessions(except))).containsExactly(a);
        Selection everyoneBut = new Selection("/", List.of(), List.of("muted"), List.of(a), 1000);
        assertThat(get(backend.selectSessions(everyoneBut))).containsExactlyInAnyOrder(c, d, e);
        // a socket id is a room of that socket; another namespace's session is never selected
        session("chat-x", "/chat");
        assertThat(get(backend.selectSessions(Selection.rooms("/", List.of(e, "chat-x"), 1000))))
                .containsExactly(e);
        assertThat(get(backend.selectSessions(Selection.rooms("/", rooms, 2)))).hasSize(2);
    }

    @Test
    void sessionSnapshotsFollowTheOrderOfTheIdsAcrossPartitions() {
        List<String> ids = sessions("snap", 12, "lobby");
        List<String> asked = new ArrayList<>(ids);
        java.util.Collections.reverse(asked);
        asked.add(2, "nobody");
        List<SessionSnapshot> snaps = get(backend.sessionSnapshots(asked));
        List<String> expected = new ArrayList<>(ids);
        java.util.Collections.reverse(expected);
        assertThat(snaps).extracting(s -> s.session().id()).containsExactlyElementsOf(expected);
        assertThat(snaps).allSatisfy(s -> assertThat(s.rooms()).containsExactly("lobby"));
    }

    // -------------------------------------------------------------------------------------- joins

    @Test
    void joinSelectedAppendsOneEntryInEachRoomPartitionListingThatPartitionsChanges() {
        List<String> ids = sessions("j", 12, "src");
        String outsider = session("outsider", "/");
        List<String> rooms = roomsInDistinctPartitions("dst", 3);

        MembershipBatchResult r =
                get(backend.joinSelected(Selection.rooms("/", List.of("src"), 1000), rooms, 10, PREFIX));

        List<MembershipChange> expected = new ArrayList<>();
        for (String id : ids) {
            for (String room : rooms) {
                expected.add(new MembershipChange(id, room, true));
            }
        }
        // the selection's order is unspecified; each session's changes follow the order of the rooms
        assertThat(r.changes()).containsExactlyInAnyOrderElementsOf(expected);
        assertRoomOrder(r.changes(), rooms);
        assertThat(r.skippedAtLimit()).isEmpty();
        assertThat(r.truncated()).isFalse();
        assertThat(r.position()).isPositive();

        Map<Integer, List<JsonNode>> entries = entries();
        for (int p = 0; p < P; p++) {
            int partition = p;
            List<String> roomsHere = rooms.stream()
                    .filter(x -> keys.roomPartition(x) == partition)
                    .toList();
            if (roomsHere.isEmpty()) {
                assertThat(entries.get(p)).as("entries of partition %d", p).isEmpty();
                continue;
            }
            assertThat(entries.get(p)).as("entries of partition %d", p).hasSize(1);
            List<MembershipChange> listed = changes(entries.get(p).get(0));
            assertThat(listed)
                    .containsExactlyInAnyOrderElementsOf(expected.stream()
                            .filter(c -> roomsHere.contains(c.room()))
                            .toList());
            assertRoomOrder(listed, rooms);
        }
        for (String room : rooms) {
            assertThat(get(backend.roomMembers(room))).containsExactlyInAnyOrderElementsOf(ids);
        }
        for (String id : ids) {
            Set<String> all = new HashSet<>(rooms);
            all.add("src");
            assertThat(smembers(sessionKey("sr", id))).isEqualTo(all);
            assertThat(roomsChanged(id)).isEqualTo(1);
        }
        assertThat(smembers(sessionKey("sr", outsider))).isEmpty();
        assertThat(roomsChanged(outsider)).isZero();

        // a repeated call changes nothing and appends nothing
        MembershipBatchResult again =
                get(backend.joinSelected(Selection.rooms("/", List.of("src"), 1000), rooms, 10, PREFIX));
        assertThat(again.changes()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(entries()).isEqualTo(entries);
    }

    @Test
    void joinSelectedStopsEachSessionAtTheRoomLimit() {
        List<String> rooms = roomsInDistinctPartitions("lim", 3);
        String full = session("full", "/", "a", "b");
        String one = session("one", "/", "a");
        String free = session("free", "/");
        MembershipBatchResult r = get(backend.joinSelected(Selection.all("/", 1000), rooms, 2, PREFIX));
        assertThat(r.changes())
                .containsExactlyInAnyOrder(
                        new MembershipChange(one, rooms.get(0), true),
                        new MembershipChange(free, rooms.get(0), true),
                        new MembershipChange(free, rooms.get(1), true));
        assertThat(r.skippedAtLimit()).containsExactlyInAnyOrder(full, one, free);
        assertThat(smembers(sessionKey("sr", full))).containsExactlyInAnyOrder("a", "b");
        assertThat(get(backend.roomMembers(rooms.get(2)))).isEmpty();
    }

    @Test
    void joinSelectedReportsATruncatedSelectionAndJoinsOnlyMax() {
        sessions("t", 12);
        MembershipBatchResult r = get(backend.joinSelected(Selection.all("/", 5), List.of("x"), 10, PREFIX));
        assertThat(r.truncated()).isTrue();
        assertThat(r.changes()).hasSize(5);
        assertThat(get(backend.roomSize("x"))).isEqualTo(5);
    }

    // ------------------------------------------------------------------------------------- leaves

    @Test
    void leaveSelectedTakesTheRoomSideFirstAndAppendsOneEntryPerRoomPartition() {
        List<String> rooms = roomsInDistinctPartitions("lv", 3);
        List<String> ids = sessions("l", 9, rooms.toArray(String[]::new));
        String stays = session("stays", "/", rooms.get(1));

        MembershipBatchResult r = get(backend.leaveSelected(
                Selection.rooms("/", List.of(rooms.get(0)), 1000), List.of(rooms.get(1), rooms.get(2)), PREFIX));

        List<MembershipChange> expected = new ArrayList<>();
        for (String id : ids) {
            expected.add(new MembershipChange(id, rooms.get(1), false));
            expected.add(new MembershipChange(id, rooms.get(2), false));
        }
        assertThat(r.changes()).containsExactlyInAnyOrderElementsOf(expected);
        assertRoomOrder(r.changes(), List.of(rooms.get(1), rooms.get(2)));
        Map<Integer, List<JsonNode>> entries = entries();
        for (String room : List.of(rooms.get(1), rooms.get(2))) {
            int q = keys.roomPartition(room);
            assertThat(entries.get(q)).hasSize(1);
            assertThat(changes(entries.get(q).get(0)))
                    .containsExactlyInAnyOrderElementsOf(
                            expected.stream().filter(c -> c.room().equals(room)).toList());
        }
        assertThat(entries.get(keys.roomPartition(rooms.get(0)))).isEmpty();
        assertThat(get(backend.roomMembers(rooms.get(1)))).containsExactly(stays);
        assertThat(get(backend.roomMembers(rooms.get(2)))).isEmpty();
        assertThat(get(backend.roomMembers(rooms.get(0)))).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            assertThat(smembers(sessionKey("sr", id))).containsExactly(rooms.get(0));
            assertThat(roomsChanged(id)).isEqualTo(2);
        }
        assertThat(get(backend.leaveSelected(
                                Selection.rooms("/", List.of(rooms.get(0)), 1000), List.of(rooms.get(1)), PREFIX))
                        .changes())
                .isEmpty();
    }

    @Test
    void batchesAndSingleSessionOperationsSeeTheSameMemberships() {
        List<String> rooms = roomsInDistinctPartitions("mix", 2);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "mix-" + i;
            get(backend.createSession(
                    new io.socketserve.spi.SessionRecord(
                            id, "h", "/", 1, LogPosition.zero(P), LogPosition.zero(P), Map.of()),
                    System.currentTimeMillis() + 60_000));
            ids.add(id);
        }
        assertThat(get(backend.join(ids.get(0), rooms.get(0), 10, new byte[] {'j'}))
                        .status())
                .isEqualTo(io.socketserve.spi.JoinResult.Status.CHANGED);

        MembershipBatchResult joined = get(backend.joinSelected(Selection.all("/", 1000), rooms, 10, PREFIX));
        assertThat(joined.changes()).hasSize(ids.size() * 2 - 1);
        for (String id : ids) {
            assertThat(get(backend.membership(id)).rooms()).containsExactlyInAnyOrderElementsOf(rooms);
        }
        assertThat(get(backend.leave(ids.get(1), rooms.get(1), new byte[] {'l'}))
                        .status())
                .isEqualTo(io.socketserve.spi.JoinResult.Status.CHANGED);
        assertThat(get(backend.roomMembers(rooms.get(1))))
                .hasSize(ids.size() - 1)
                .doesNotContain(ids.get(1));

        MembershipBatchResult left = get(backend.leaveSelected(
                Selection.rooms("/", List.of(rooms.get(1)), 1000), List.of(rooms.get(0)), PREFIX));
        assertThat(left.changes()).hasSize(ids.size() - 1);
        assertThat(get(backend.membership(ids.get(1))).rooms()).containsExactly(rooms.get(0));
        assertThat(get(backend.membership(ids.get(2))).rooms()).containsExactly(rooms.get(1));

        assertThat(get(backend.removeSession(ids.get(3), new byte[] {'x'}))).isNotNull();
        RemovalBatchResult removed = get(backend.removeSelected(Selection.all("/", 1000), PREFIX, "bye"));
        assertThat(removed.removed())
                .extracting(x -> x.session().id())
                .containsExactlyInAnyOrderElementsOf(
                        ids.stream().filter(id -> !id.equals(ids.get(3))).toList());
        assertThat(removed.removed())
                .allSatisfy(
                        x -> assertThat(x.session().createdAt().partitions()).isEqualTo(P));
        for (String room : rooms) {
            assertThat(get(backend.roomMembers(room))).isEmpty();
        }
        assertThat(get(backend.sessionCount())).isZero();
    }

    /** Scripts run on every master since {@link #resetStats}: EVALSHA and EVAL calls. */
    private long scriptCalls() {
        long calls = 0;
        for (int port : cluster.masterPorts()) {
            String info = (String) cluster.command(port, "INFO", "commandstats");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_(?:evalsha|eval):calls=(\\d+)")
                    .matcher(info);
            while (m.find()) {
                calls += Long.parseLong(m.group(1));
            }
        }
        return calls;
    }

    private void resetStats() {
        cluster.masterPorts().forEach(port -> cluster.command(port, "CONFIG", "RESETSTAT"));
    }

    @Test
    void aBatchRunsOneScriptPerStepAndPartitionWhateverTheNumberOfSessions() {
        List<String> rooms = roomsInDistinctPartitions("cost", 2);
        long[] calls = new long[2];
        int[] sizes = {24, 96};
        for (int i = 0; i < 2; i++) {
            List<String> ids = sessions("cost" + i, sizes[i], "src" + i);
            assertThat(ids.stream().map(keys::sessionPartition).distinct()).hasSize(P);
            resetStats();
            MembershipBatchResult r =
                    get(backend.joinSelected(Selection.rooms("/", List.of("src" + i), 1000), rooms, 10, PREFIX));
            assertThat(r.changes()).hasSize(2 * sizes[i]);
            calls[i] = scriptCalls();
            get(backend.removeSelected(Selection.all("/", 1000), PREFIX, "bye"));
        }
        // per step, one script per partition it touches: the room read (1), the selection (P), the
        // session side (P), the room side (partitions of the two rooms), the last check (P)
        assertThat(calls[1]).isEqualTo(calls[0]);
        assertThat(calls[0]).isLessThanOrEqualTo(1 + 3L * P + 2);
    }

    // ----------------------------------------------------------------------------------- removals

    @Test
    void removeSelectedAppendsOneRemovalEntryPerSessionPartitionAndCleansTheRooms() {
        List<String> rooms = roomsInDistinctPartitions("rm", 2);
        List<String> ids = sessions("r", 15, rooms.toArray(String[]::new));
        String chat = session("chat-r", "/chat", rooms.get(0));

        RemovalBatchResult r = get(backend.removeSelected(Selection.all("/", 1000), PREFIX, "server disconnect"));

        assertThat(r.removed()).extracting(s -> s.session().id()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(r.truncated()).isFalse();
        Map<Integer, List<JsonNode>> entries = entries();
        for (int p = 0; p < P; p++) {
            int partition = p;
            List<String> here = ids.stream()
                    .filter(id -> keys.sessionPartition(id) == partition)
                    .toList();
            if (here.isEmpty()) {
                assertThat(entries.get(p)).isEmpty();
                continue;
            }
            assertThat(entries.get(p)).hasSize(1);
            JsonNode body = entries.get(p).get(0);
            assertThat(body.get("r").asText()).isEqualTo("server disconnect");
            List<String> listed = new ArrayList<>();
            body.get("s").forEach(n -> listed.add(n.asText()));
            assertThat(listed).containsExactlyInAnyOrderElementsOf(here);
            long head = get(backend.head(p));
            for (RemovedSession s : r.removed()) {
                if (here.contains(s.session().id())) {
                    assertThat(s.position()).isEqualTo(head);
                    assertThat(s.rooms()).containsExactlyInAnyOrderElementsOf(rooms);
                }
            }
        }
        for (String id : ids) {
            assertThat(raw(sessionKey("s", id), "EXISTS")).isEqualTo(0L);
            assertThat(raw(sessionKey("sr", id), "EXISTS")).isEqualTo(0L);
        }
        assertThat(get(backend.roomMembers(rooms.get(0)))).containsExactly(chat);
        assertThat(get(backend.roomMembers(rooms.get(1)))).isEmpty();
        assertThat(get(backend.selectSessions(Selection.all("/", 1000)))).isEmpty();

        RemovalBatchResult again = get(backend.removeSelected(Selection.all("/", 1000), PREFIX, "x"));
        assertThat(again.removed()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(entries()).isEqualTo(entries);
    }

    @Test
    void concurrentRemovalsHandEachSessionToExactlyOneCaller() {
        List<String> ids = sessions("c", 40, "lobby");
        RedisBackend other = newBackend();
        others.add(other);
        List<CompletableFuture<RemovalBatchResult>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RedisBackend b = i % 2 == 0 ? backend : other;
            Selection s = i < 2 ? Selection.all("/", 1000) : Selection.rooms("/", List.of("lobby"), 1000);
            runs.add(b.removeSelected(s, PREFIX, "bye").toCompletableFuture());
        }
        List<String> removed = new ArrayList<>();
        for (CompletableFuture<RemovalBatchResult> run : runs) {
            get(run).removed().forEach(s -> removed.add(s.session().id()));
        }
        assertThat(removed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(backend.roomMembers("lobby"))).isEmpty();
        int listed = 0;
        for (List<JsonNode> bodies : entries().values()) {
            for (JsonNode body : bodies) {
                listed += body.get("s").size();
            }
        }
        assertThat(listed).isEqualTo(ids.size());
    }
}
