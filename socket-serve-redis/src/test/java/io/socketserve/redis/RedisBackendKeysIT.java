package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.spi.RemovalBatchResult;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionPresence;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the backend leaves in Redis: key names, TTLs, isolation by prefix, commands per operation. */
class RedisBackendKeysIT {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> inspect;

    private final List<Backend> backends = new ArrayList<>();

    @BeforeAll
    static void connect() {
        client = RedisClient.create(redis.uri());
        connection = client.connect();
        inspect = connection.sync();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @BeforeEach
    void flush() {
        inspect.flushall();
    }

    @AfterEach
    void close() {
        backends.forEach(Backend::close);
    }

    private RedisBackend started(String prefix) {
        RedisBackend b = new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix(prefix).build());
        backends.add(b);
        get(b.start(1_000));
        return b;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String createSession(Backend b, String id) {
        get(b.createSession(
                new SessionRecord(id, "h", "/", 1, 0, 0, Map.of("user", id)), System.currentTimeMillis() + 30_000));
        return id;
    }

    private static List<String> keys() {
        List<String> out = new ArrayList<>();
        ScanIterator.scan(inspect, ScanArgs.Builder.limit(1_000)).forEachRemaining(out::add);
        return out;
    }

    /** Every session operation once, on a few sessions sharing rooms. */
    private static List<String> exercise(Backend b, int sessions) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            String id = createSession(b, "s" + i);
            ids.add(id);
            get(b.join(id, "room" + (i % 3), 10, bytes("join")));
            get(b.join(id, "all", 10, bytes("join")));
            get(b.putData(id, "k", "1"));
            get(b.compareAndSetData(id, "n", null, "1"));
            get(b.setCursor(id, 1));
            get(b.append(bytes("to room")));
            get(b.presenceEnter(
                    id, "all", "u" + (i % 2), "{}", System.currentTimeMillis() + 60_000, bytes("pj"), bytes("pu")));
            get(b.presenceEnter(
                    id, "room" + (i % 3), "u" + (i % 2), "1", System.currentTimeMillis() + 60_000, bytes("pj"), null));
            get(b.presenceUpdate(id, "all", "2", bytes("pu")));
            get(b.publishVolatile(bytes("cursor")));
        }
        get(b.touchSessions(ids, System.currentTimeMillis() + 60_000));
        get(b.presenceRefresh(ids, System.currentTimeMillis() + 60_000));
        get(b.leave(ids.get(0), "all", bytes("leave")));
        get(b.presenceLeave(ids.get(0), "all", bytes("pl")));
        return ids;
    }

    /** Ends a session the way the engine does: remove it, then drop its presence. */
    private static void end(Backend b, String id) {
        SessionPresence sp = get(b.sessionPresence(id));
        assertThat(get(b.removeSession(id, bytes("bye")))).isNotNull();
        if (sp != null) {
            Map<String, byte[]> leaves = new java.util.HashMap<>();
            sp.rooms().keySet().forEach(room -> leaves.put(room, bytes("pl")));
            get(b.presenceDrop(id, leaves, System.currentTimeMillis(), 0));
        }
    }

    @Test
    void noSessionOrRoomKeyRemainsOnceEverySessionIsRemoved() {
        Backend b = started("app");
        for (String id : exercise(b, 20)) {
            end(b, id);
        }
        assertThat(get(b.presenceOfflineDue(System.currentTimeMillis() + 1, 100)))
                .containsExactlyInAnyOrder("u0", "u1");
        assertThat(keys()).containsExactlyInAnyOrder("{app}:log", "{app}:lineage", "{app}:logsz", "{app}:logbytes");
    }

    @Test
    void batchedOperationsLeaveNoSessionOrRoomKeyBehind() {
        Backend b = started("app");
        List<String> ids = exercise(b, 12);
        Selection everyone = Selection.all("/", 1_000);
        get(b.joinSelected(everyone, List.of("batch1", "batch2"), 10, bytes("p")));
        get(b.leaveSelected(Selection.rooms("/", List.of("room1"), 1_000), List.of("batch1"), bytes("p")));
        get(b.sessionSnapshots(ids));
        get(b.selectSessions(everyone));
        Map<String, SessionPresence> presence = new java.util.HashMap<>();
        ids.forEach(id -> presence.put(id, get(b.sessionPresence(id))));
        RemovalBatchResult removed = get(b.removeSelected(everyone, bytes("p"), "bye"));
        assertThat(removed.removed()).hasSize(12);
        presence.forEach((id, sp) -> {
            Map<String, byte[]> leaves = new java.util.HashMap<>();
            sp.rooms().keySet().forEach(room -> leaves.put(room, bytes("pl")));
            get(b.presenceDrop(id, leaves, System.currentTimeMillis(), 0));
        });
        get(b.presenceOfflineDue(System.currentTimeMillis() + 1, 100));
        assertThat(keys()).containsExactlyInAnyOrder("{app}:log", "{app}:lineage", "{app}:logsz", "{app}:logbytes");
    }

    @Test
    void theNamespaceIndexFollowsCreationRemovalAndTouches() {
        Backend b = started("app");
        createSession(b, "a");
        get(b.createSession(
                new SessionRecord("c", "h", "/chat", 1, 0, 0, Map.of()), System.currentTimeMillis() + 30_000));
        assertThat(inspect.smembers("{app}:ns:/")).containsExactly("a");
        assertThat(inspect.smembers("{app}:ns:/chat")).containsExactly("c");
        // a session created before the index existed joins it at its next touch
        inspect.srem("{app}:ns:/", "a");
        get(b.touchSessions(List.of("a"), System.currentTimeMillis() + 3_600_000));
        assertThat(inspect.smembers("{app}:ns:/")).containsExactly("a");
        assertThat(inspect.pttl("{app}:ns:/")).isGreaterThan(9 * 3_600_000L);
        get(b.removeSession("a", bytes("bye")));
        assertThat(inspect.exists("{app}:ns:/")).isZero();
        // an id whose session vanished (its safety TTL ran out) is dropped when a selection meets it
        inspect.del("{app}:s:c");
        assertThat(get(b.selectSessions(Selection.all("/chat", 10)))).isEmpty();
        assertThat(inspect.exists("{app}:ns:/chat")).isZero();
    }

    @Test
    void everyKeyStartsWithThePrefixAsHashTag() {
        Backend b = started("app");
        exercise(b, 3);
        get(b.kvPut("greeting", "hi", 0));
        assertThat(keys()).isNotEmpty().allSatisfy(k -> assertThat(k).startsWith("{app}:"));
    }

    @Test
    void everySessionAndRoomKeyHasATtl() {
        Backend b = started("app");
        exercise(b, 3);
        List<String> owned = keys().stream()
                .filter(k -> !List.of("{app}:log", "{app}:lineage", "{app}:logsz", "{app}:logbytes")
                        .contains(k))
                .toList();
        assertThat(owned)
                .contains(
                        "{app}:s:s1",
                        "{app}:sr:s1",
                        "{app}:sd:s1",
                        "{app}:r:all",
                        "{app}:exp",
                        "{app}:ns:/",
                        "{app}:pu:s1",
                        "{app}:pr:s1",
                        "{app}:pru:all",
                        "{app}:prs:all",
                        "{app}:plive",
                        "{app}:pul");
        for (String key : owned) {
            assertThat(inspect.pttl(key)).as("PTTL of %s", key).isPositive();
        }
    }

    @Test
    void theSafetyTtlIsAboutTenTimesTheTimeToExpiry() {
        Backend b = started("app");
        String id = createSession(b, "s");
        get(b.touchSessions(List.of(id), System.currentTimeMillis() + 3_600_000));
        assertThat(inspect.pttl("{app}:s:s")).isBetween(9 * 3_600_000L, 10 * 3_600_000L);
    }

    @Test
    void backendsWithDifferentPrefixesDoNotSeeEachOther() {
        Backend a = started("a");
        Backend b = started("b");
        String id = createSession(a, "same-id");
        get(a.join(id, "r", 10, bytes("j")));
        get(a.putData(id, "k", "1"));
        get(a.kvPut("k", "v", 0));
        get(a.append(bytes("m")));

        assertThat(get(b.findSession(id))).isNull();
        assertThat(get(b.roomMembers("r"))).isEmpty();
        assertThat(get(b.getAllData(id))).isEmpty();
        assertThat(get(b.kvGet("k"))).isNull();
        assertThat(get(b.head())).isZero();
        assertThat(get(b.sessionCount())).isZero();
        assertThat(get(b.removeSession(id, bytes("bye")))).isNull();
        assertThat(get(a.findSession(id))).isNotNull();
    }

    @Test
    void anAppendIsTheSameNumberOfCommandsWhateverTheRoomSize() {
        Backend b = started("app");
        createSession(b, "lonely");
        get(b.join("lonely", "small", 10, bytes("j")));
        for (int i = 0; i < 1_000; i++) {
            get(b.join(createSession(b, "m" + i), "big", 10, bytes("j")));
        }
        assertThat(get(b.roomSize("big"))).isEqualTo(1_000);

        long small = commandsFor(() -> get(b.append(bytes("{\"to\":\"small\"}"))));
        long big = commandsFor(() -> get(b.append(bytes("{\"to\":\"big\"}"))));
        assertThat(big).isEqualTo(small);
        // one EVALSHA from the client, and inside it: GET seq, INFO replication, GET lineage, XADD, SET seq,
        // and the byte and age accounting (issue 13): TIME, RPUSH logsz, INCRBY logbytes, LINDEX logsz 0
        assertThat(commandsFor(() -> get(b.append(bytes("x"))))).isLessThanOrEqualTo(9);
        assertThat(clientCommandsFor(() -> get(b.append(bytes("x"))))).isEqualTo(1);
    }

    /** Calls counted by INFO commandstats (script-internal commands included) while running the action. */
    private static long commandsFor(Runnable action) {
        inspect.configResetstat();
        action.run();
        return commandStats().entrySet().stream()
                .filter(e -> !e.getKey().equals("info") && !e.getKey().startsWith("config"))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    /** Commands sent by clients (not those a script ran) while running the action. */
    private static long clientCommandsFor(Runnable action) {
        inspect.configResetstat();
        action.run();
        return commandStats().entrySet().stream()
                .filter(e -> e.getKey().equals("evalsha") || e.getKey().equals("eval"))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    private static Map<String, Long> commandStats() {
        Map<String, Long> calls = new java.util.HashMap<>();
        for (String line : inspect.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String value = line.substring(line.indexOf("calls=") + 6);
                calls.put(name, Long.parseLong(value.substring(0, value.indexOf(','))));
            }
        }
        return calls;
    }
}
