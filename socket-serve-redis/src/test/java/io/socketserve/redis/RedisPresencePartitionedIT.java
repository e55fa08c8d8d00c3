package io.socketserve.redis;

import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.LogStore;
import io.socketserve.spi.PartContractSuite;
import io.socketserve.spi.Partitions;
import io.socketserve.spi.PresenceResult;
import io.socketserve.spi.PresenceStore;
import io.socketserve.spi.PresenceStoreContract;
import io.socketserve.spi.SessionPresence;
import io.socketserve.spi.SessionRecord;
import io.socketserve.spi.SessionStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence of {@link RedisBackend} with a log of {@value #PARTITIONS} partitions on a 3-master Redis
 * Cluster: the presence contract, then what only several partitions have (entries in the room's
 * partition, keys in their side's partition, drops run twice, the sweeps over every partition).
 */
class RedisPresencePartitionedIT {

    static final int PARTITIONS = 6;

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses(3, 2000);

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    static RedisBackend backend(String prefix) {
        return new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris().subList(0, 2))
                .keyPrefix(prefix)
                .partitions(PARTITIONS)
                .build());
    }

    /** The parts the presence contract needs. */
    interface PresenceParts extends LogStore, SessionStore, PresenceStore {}

    /**
     * {@link PresenceStoreContract} over a P=6 backend. The contract reads "the log" with {@link
     * LogStore#read(long, int)} and {@link LogStore#head()}, which act on partition 0 of a partitioned
     * log; here they read every partition (entries of one room stay in order: one partition), so the
     * contract's tests run unchanged.
     */
    @Nested
    class Contract extends PartContractSuite<PresenceParts> implements PresenceStoreContract<PresenceParts> {

        private final String prefix = "pc" + PREFIXES.incrementAndGet();
        private final Map<PresenceParts, RedisBackend> backends = new IdentityHashMap<>();

        @Override
        protected PresenceParts newInstance() {
            RedisBackend backend = backend(prefix);
            InvocationHandler handler = (proxy, method, args) -> {
                if (isMergedRead(method)) {
                    return java.util.concurrent.CompletableFuture.completedFuture(
                            readAll(backend, (Long) args[0], (Integer) args[1]));
                }
                if (method.getName().equals("head") && method.getParameterCount() == 0) {
                    long head = 0;
                    for (int p = 0; p < PARTITIONS; p++) {
                        head = Math.max(head, get(backend.head(p)));
                    }
                    return java.util.concurrent.CompletableFuture.completedFuture(head);
                }
                try {
                    return method.invoke(backend, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            PresenceParts only = (PresenceParts) Proxy.newProxyInstance(
                    PresenceParts.class.getClassLoader(), new Class<?>[] {PresenceParts.class}, handler);
            backends.put(only, backend);
            return only;
        }

        private boolean isMergedRead(Method method) {
            return method.getName().equals("read")
                    && method.getParameterCount() == 2
                    && method.getParameterTypes()[0] == long.class;
        }

        @Override
        protected void start(PresenceParts instance, int maxLogEntries) {
            get(backends.get(instance).start(maxLogEntries));
        }

        @Override
        protected void close(PresenceParts instance) {
            backends.get(instance).close();
        }

        @Override
        protected void cleanUp() {
            cluster.flushAll();
        }
    }

    /** Every partition's entries after {@code after}, partition by partition. */
    static LogSlice readAll(RedisBackend backend, long after, int max) {
        List<LogRecord> all = new ArrayList<>();
        long head = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            LogSlice slice = get(backend.read(p, after, max));
            all.addAll(slice.records());
            head = Math.max(head, slice.head());
        }
        return new LogSlice(all, 0, head);
    }

    /** Behaviour that only a partitioned log has. */
    @Nested
    class Partitioned {

        private final String prefix = "pp" + PREFIXES.incrementAndGet();
        private final Keys keys = new Keys(prefix, PARTITIONS);
        private final List<RedisBackend> started = new ArrayList<>();
        private RedisBackend backend;

        @BeforeEach
        void start() {
            backend = started();
        }

        @AfterEach
        void close() {
            started.forEach(RedisBackend::close);
            cluster.flushAll();
        }

        private RedisBackend started() {
            RedisBackend b = backend(prefix);
            get(b.start(10_000));
            started.add(b);
            return b;
        }

        /** A name starting with {@code base} whose partition is {@code p}. */
        private String in(int p, String base) {
            for (int i = 0; ; i++) {
                String name = base + i;
                if (Partitions.of(name, PARTITIONS) == p) {
                    return name;
                }
            }
        }

        private String session(int p) {
            String id = in(p, "s" + System.nanoTime() + "-");
            get(backend.createSession(
                    new SessionRecord(id, "hash-" + id, "/", System.currentTimeMillis(), 0, 0, Map.of()),
                    System.currentTimeMillis() + 60_000));
            return id;
        }

        private PresenceResult enter(String id, String room, String user, String state, long liveUntil) {
            return get(backend.presenceEnter(
                    id, room, user, state, liveUntil, bytes("join:" + room + ":" + user), bytes("update:" + room)));
        }

        /** The texts of partition {@code p}'s entries. */
        private List<String> texts(int p) {
            List<String> out = new ArrayList<>();
            for (LogRecord r : get(backend.read(p, 0, 10_000)).records()) {
                out.add(new String(r.entry(), StandardCharsets.UTF_8));
            }
            return out;
        }

        /** Every partition's entry texts, by partition. */
        private Map<Integer, List<String>> allTexts() {
            Map<Integer, List<String>> out = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> t = texts(p);
                if (!t.isEmpty()) {
                    out.put(p, t);
                }
            }
            return out;
        }

        private boolean exists(byte[] key) {
            String k = new String(key, StandardCharsets.UTF_8);
            return ((Number) cluster.command(cluster.masterFor(k), "EXISTS", k)).longValue() == 1;
        }

        private Map<String, byte[]> entries(String type, SessionPresence sp) {
            Map<String, byte[]> out = new HashMap<>();
            sp.rooms().keySet().forEach(room -> out.put(room, bytes(type + ":" + room + ":" + sp.user())));
            return out;
        }

        @Test
        void presenceEntriesLandInTheRoomsPartition() {
            String id = session(0);
            String a = in(2, "room-a");
            String b = in(4, "room-b");
            long live = System.currentTimeMillis() + 60_000;
            PresenceResult joined = enter(id, a, "ann", "1", live);
            assertThat(joined.status()).isEqualTo(PresenceResult.Status.JOINED);
            assertThat(joined.position()).isEqualTo(get(backend.head(2)));
            assertThat(enter(id, b, "ann", "1", live).status()).isEqualTo(PresenceResult.Status.JOINED);
            assertThat(get(backend.presenceUpdate(id, a, "2", bytes("update:" + a)))
                            .status())
                    .isEqualTo(PresenceResult.Status.UPDATED);
            assertThat(get(backend.presenceLeave(id, b, bytes("leave:" + b))).status())
                    .isEqualTo(PresenceResult.Status.LEFT);

            assertThat(allTexts())
                    .isEqualTo(Map.of(
                            2,
                            List.of("join:" + a + ":ann", "update:" + a),
                            4,
                            List.of("join:" + b + ":ann", "leave:" + b)));
            assertThat(get(backend.sessionPresence(id))).isEqualTo(new SessionPresence("ann", Map.of(a, "2"), true));
            assertThat(get(backend.presenceCount(a))).isEqualTo(1);
            assertThat(get(backend.presenceCount(b))).isZero();
        }

        @Test
        void eachSidesKeysAreInItsOwnPartition() {
            String id = session(1);
            String room = in(3, "room");
            String user = in(5, "user");
            enter(id, room, user, "1", System.currentTimeMillis() + 60_000);
            assertThat(exists(bytes(keys.prefixString(1) + "pu:" + id))).isTrue();
            assertThat(exists(bytes(keys.prefixString(1) + "pr:" + id))).isTrue();
            assertThat(exists(keys.presenceLive(1))).isTrue();
            assertThat(exists(keys.presenceUsers(room))).isTrue();
            assertThat(keys.presenceUsers(room)).isEqualTo(bytes(keys.prefixString(3) + "pru:" + room));
            assertThat(exists(keys.presenceRoomSessions(room))).isTrue();
            assertThat(exists(keys.presenceUserSessions(user))).isTrue();
            assertThat(keys.presenceUserSessions(user)).isEqualTo(bytes(keys.prefixString(5) + "pus:" + user));

            // an ended session's drop forgets it everywhere, and schedules the user in its partition
            SessionPresence sp = get(backend.sessionPresence(id));
            get(backend.removeSession(id, bytes("bye")));
            long now = System.currentTimeMillis();
            assertThat(get(backend.presenceDrop(id, entries("leave", sp), now, 0))
                            .status())
                    .isEqualTo(PresenceResult.Status.LEFT);
            assertThat(exists(bytes(keys.prefixString(1) + "pu:" + id))).isFalse();
            assertThat(exists(bytes(keys.prefixString(1) + "pr:" + id))).isFalse();
            assertThat(exists(keys.presenceUsers(room))).isFalse();
            assertThat(exists(keys.presenceRoomSessions(room))).isFalse();
            assertThat(exists(keys.presenceUserSessions(user))).isFalse();
            assertThat(exists(keys.presenceOffline(5))).isTrue();
            assertThat(texts(3)).containsExactly("join:" + room + ":" + user, "leave:" + room + ":" + user);
            assertThat(get(backend.presenceOfflineDue(now + 1, 100))).containsExactly(user);
        }

        @Test
        void concurrentDropsOfALapsedSessionAppendEachLeaveOnce() throws Exception {
            RedisBackend other = started();
            String id = session(0);
            List<String> rooms = List.of(in(1, "r"), in(2, "r"), in(3, "r"), in(3, "rr"), in(0, "r"));
            long past = System.currentTimeMillis() - 1;
            for (String room : rooms) {
                enter(id, room, "ann", "1", past);
            }
            assertThat(get(backend.presenceLapsed(System.currentTimeMillis(), 100)))
                    .containsExactly(id);
            SessionPresence sp = get(backend.sessionPresence(id));
            Map<String, byte[]> leaves = entries("leave", sp);
            long now = System.currentTimeMillis();
            List<PresenceResult> results = race(
                    6,
                    () -> get((Thread.currentThread().getId() % 2 == 0 ? backend : other)
                            .presenceDrop(id, leaves, now, 0)));
            assertThat(results).extracting(PresenceResult::status).doesNotContain(PresenceResult.Status.RETRY);
            List<String> all = new ArrayList<>();
            allTexts().values().forEach(all::addAll);
            for (String room : rooms) {
                assertThat(all)
                        .filteredOn(t -> t.equals("leave:" + room + ":ann"))
                        .hasSize(1);
                assertThat(get(backend.presenceCount(room))).isZero();
            }
            assertThat(get(backend.sessionPresence(id)).live()).isFalse();
            assertThat(get(backend.presenceLapsed(System.currentTimeMillis(), 100)))
                    .isEmpty();
            assertThat(get(backend.presenceOfflineDue(now + 1, 100))).containsExactly("ann");
            assertThat(get(other.presenceOfflineDue(now + 1, 100))).isEmpty();

            // revived, the session is back in every room, each join in the room's partition
            PresenceResult revived =
                    get(backend.presenceRevive(id, entries("rejoin", sp), System.currentTimeMillis() + 60_000));
            assertThat(revived.status()).isEqualTo(PresenceResult.Status.JOINED);
            for (String room : rooms) {
                assertThat(texts(Partitions.of(room, PARTITIONS))).contains("rejoin:" + room + ":ann");
                assertThat(get(backend.presenceCount(room))).isEqualTo(1);
            }
        }

        @Test
        void theSweepsCoverEveryPartitionWithinTheirBound() {
            long past = System.currentTimeMillis() - 1;
            Set<String> lapsed = new HashSet<>();
            Set<String> users = new HashSet<>();
            for (int p = 0; p < PARTITIONS; p++) {
                String id = session(p);
                String user = in(p, "u");
                enter(id, in((p + 1) % PARTITIONS, "room"), user, "1", past);
                lapsed.add(id);
                users.add(user);
            }
            long now = System.currentTimeMillis();
            assertThat(get(backend.presenceLapsed(now, 4))).hasSize(4).isSubsetOf(lapsed);
            assertThat(get(backend.presenceLapsed(now, 100))).containsExactlyInAnyOrderElementsOf(lapsed);
            for (String id : lapsed) {
                SessionPresence sp = get(backend.sessionPresence(id));
                assertThat(get(backend.presenceDrop(id, entries("leave", sp), now, 0))
                                .status())
                        .isEqualTo(PresenceResult.Status.LEFT);
            }
            List<String> claimed = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                List<String> batch = get(backend.presenceOfflineDue(now + 1, 4));
                assertThat(batch.size()).isLessThanOrEqualTo(4);
                claimed.addAll(batch);
            }
            assertThat(claimed).containsExactlyInAnyOrderElementsOf(users);
            assertThat(get(backend.presenceRefresh(lapsed, now + 60_000))).containsExactlyInAnyOrderElementsOf(lapsed);
        }

        @Test
        void aUserWithSessionsInSeveralPartitionsGoesOfflineAfterTheLastOne() {
            String a = session(0);
            String b = session(3);
            String room = in(4, "room");
            long live = System.currentTimeMillis() + 60_000;
            assertThat(enter(a, room, "ann", "1", live).status()).isEqualTo(PresenceResult.Status.JOINED);
            assertThat(enter(b, room, "ann", "2", live).status()).isEqualTo(PresenceResult.Status.UPDATED);
            assertThat(get(backend.presenceMembers(room))).singleElement().satisfies(m -> {
                assertThat(m.sessions()).isEqualTo(2);
                assertThat(m.state()).isEqualTo("2");
            });
            SessionPresence sa = get(backend.sessionPresence(a));
            get(backend.removeSession(a, bytes("bye")));
            long now = System.currentTimeMillis();
            assertThat(get(backend.presenceDrop(a, entries("leave", sa), now, 0))
                            .status())
                    .isEqualTo(PresenceResult.Status.LEFT);
            assertThat(get(backend.presenceOfflineDue(now + 1, 100))).isEmpty();
            assertThat(get(backend.presenceCount(room))).isEqualTo(1);
            SessionPresence sb = get(backend.sessionPresence(b));
            get(backend.removeSession(b, bytes("bye")));
            assertThat(get(backend.presenceDrop(b, entries("leave", sb), now, 0))
                            .status())
                    .isEqualTo(PresenceResult.Status.LEFT);
            assertThat(get(backend.presenceOfflineDue(now + 1, 100))).containsExactly("ann");
            assertThat(texts(4)).containsExactly("join:" + room + ":ann", "update:" + room, "leave:" + room + ":ann");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
