package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.socketserve.redis.testing.RedisMonitor;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the batched operations cost in Redis commands (issue 14): a constant number of commands sent
 * by the client whatever the number of sessions, counted with {@code INFO commandstats} after {@code
 * CONFIG RESETSTAT} on this test's own {@code redis-server}, and split into commands the client sent
 * and commands a script ran with {@code MONITOR} (which marks the latter {@code [0 lua]}).
 */
class RedisBatchCommandsIT {

    @RegisterExtension
    static final RedisServerProcess redis = new RedisServerProcess();

    private static final byte[] PREFIX = {1, 6, 0, 0, 0, 0, 0, 0, 0, 1};

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> inspect;

    private RedisBackend backend;

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
    void start() {
        inspect.flushall();
        backend = new RedisBackend(
                RedisBackendOptions.builder().uri(redis.uri()).keyPrefix("app").build());
        get(backend.start(1_000));
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** {@code n} sessions of the namespace, each a member of {@code room}. */
    private List<String> sessionsIn(String namespace, String room, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = room + "-" + i;
            get(backend.createSession(
                    new SessionRecord(id, "h", namespace, 1, 0, 0, Map.of()), System.currentTimeMillis() + 60_000));
            get(backend.join(id, room, 10, new byte[] {'j'}));
            ids.add(id);
        }
        return ids;
    }

    @Test
    void joinSelectedSendsOneCommandForTenAndForAHundredSessions() {
        sessionsIn("/", "ten", 10);
        sessionsIn("/", "hundred", 100);

        Counts ten = count(() -> assertThat(get(
                        backend.joinSelected(Selection.rooms("/", List.of("ten"), 1_000), List.of("dst"), 10, PREFIX)))
                .extracting(r -> r.changes().size())
                .isEqualTo(10));
        Counts hundred = count(() -> assertThat(get(backend.joinSelected(
                        Selection.rooms("/", List.of("hundred"), 1_000), List.of("dst"), 10, PREFIX)))
                .extracting(r -> r.changes().size())
                .isEqualTo(100));

        report("joinSelected", ten, hundred);
        assertThat(ten.client()).isEqualTo(Map.of("evalsha", 1L));
        assertThat(hundred.client()).isEqualTo(ten.client());
        assertThat(ten.statsClientCalls()).isEqualTo(1);
        assertThat(hundred.statsClientCalls()).isEqualTo(1);
        // one log entry each: the script appended once (XADD) however many sessions changed
        assertThat(ten.script().get("xadd")).isEqualTo(1);
        assertThat(hundred.script().get("xadd")).isEqualTo(1);
        assertThat(get(backend.roomSize("dst"))).isEqualTo(110);
    }

    @Test
    void everyBatchedOperationIsOneCommandWhateverTheNumberOfSessions() {
        List<String> ten = sessionsIn("/", "ten", 10);
        List<String> hundred = sessionsIn("/", "hundred", 100);
        for (String room : List.of("ten", "hundred")) {
            Selection s = Selection.rooms("/", List.of(room), 1_000);
            List<Counts> each = List.of(
                    count(() -> get(backend.selectSessions(s))),
                    count(() -> get(backend.sessionSnapshots(room.equals("ten") ? ten : hundred))),
                    count(() -> get(backend.joinSelected(s, List.of("x", "y"), 10, PREFIX))),
                    count(() -> get(backend.leaveSelected(s, List.of("x", "y"), PREFIX))),
                    count(() -> get(backend.removeSelected(s, PREFIX, "bye"))));
            List<String> names =
                    List.of("selectSessions", "sessionSnapshots", "joinSelected", "leaveSelected", "removeSelected");
            for (int i = 0; i < each.size(); i++) {
                System.out.printf("%s over %s: %s%n", names.get(i), room, each.get(i));
                assertThat(each.get(i).client()).as(names.get(i)).isEqualTo(Map.of("evalsha", 1L));
            }
        }
        assertThat(get(backend.sessionCount())).isZero();
    }

    @Test
    void selectingEveryoneOfANamespaceReadsOnlyThatNamespacesSessions() {
        sessionsIn("/big", "elsewhere", 200);
        sessionsIn("/", "here", 10);
        Counts all = count(() -> assertThat(get(backend.selectSessions(Selection.all("/", 1_000))))
                .hasSize(10));
        System.out.println("selectSessions(all of /) next to 200 sessions of /big: " + all);
        assertThat(all.client()).isEqualTo(Map.of("evalsha", 1L));
        assertThat(all.script().get("hget")).isEqualTo(10);
        assertThat(all.scriptTotal()).isLessThan(20);
    }

    // ----------------------------------------------------------------------------------- counting

    /**
     * Commands run while {@code action} ran: {@code client} as MONITOR saw them sent by clients (our
     * own markers excluded), {@code script} as it saw them run by scripts, and the {@code evalsha} +
     * {@code eval} calls INFO commandstats counted.
     */
    record Counts(Map<String, Long> client, Map<String, Long> script, long statsClientCalls) {
        long scriptTotal() {
            return script.values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            return "client " + client + ", inside scripts " + scriptTotal() + " " + script;
        }
    }

    private static Counts count(Runnable action) {
        inspect.configResetstat();
        RedisMonitor.Watched<Void> watched = RedisMonitor.watch(redis.port(), () -> {
            action.run();
            return null;
        });
        long stats = commandStats().entrySet().stream()
                .filter(e -> e.getKey().equals("evalsha") || e.getKey().equals("eval"))
                .mapToLong(Map.Entry::getValue)
                .sum();
        Map<String, Long> client = new TreeMap<>();
        Map<String, Long> script = new TreeMap<>();
        for (RedisMonitor.Command c : watched.commands()) {
            (c.fromScript() ? script : client).merge(c.name(), 1L, Long::sum);
        }
        return new Counts(client, script, stats);
    }

    private static void report(String what, Counts ten, Counts hundred) {
        System.out.printf("%s over 10 sessions: %s%n", what, ten);
        System.out.printf("%s over 100 sessions: %s%n", what, hundred);
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
