package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.JoinResult;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.Partitions;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What partitions buy on a Redis Cluster (issue 15): with a log of {@value #PARTITIONS} partitions
 * on 3 masters, a many-rooms workload run through the backend API — {@value #SESSIONS} sessions,
 * {@value #ROOMS} rooms, joins, {@value #ROOM_APPENDS} room messages, leaves, removals — puts keys on
 * every master and spreads the commands over them evenly (each master within ±25 % of a third),
 * and nothing is written under the single-slot layout of one partition ({@code {prefix}:…}, but
 * for the partition count in {@code {prefix}:meta}).
 */
class RedisClusterSpreadIT {

    static final int PARTITIONS = 12;
    static final int SESSIONS = 300;
    static final int ROOMS = 200;
    static final int ROOM_APPENDS = 5_000;
    static final int LEAVES = 150;

    /** Commands that are not the workload's: the probes' own, replication's, the client's housekeeping. */
    static final Set<String> NOT_WORKLOAD =
            Set.of("info", "replconf", "cluster", "client", "hello", "ping", "command", "dbsize", "keys", "readonly");

    @RegisterExtension
    static final RedisClusterProcesses cluster = new RedisClusterProcesses();

    @Test
    @Timeout(180)
    void aManyRoomsWorkloadSpreadsKeysAndCommandsEvenlyOverTheMasters() {
        String prefix = "spread";
        Keys keys = new Keys(prefix, PARTITIONS);
        List<Integer> masters = cluster.masterPorts();
        assertThat(masters).hasSize(3);
        RedisBackend b = new RedisBackend(RedisBackendOptions.builder()
                .clusterNodes(cluster.seedUris())
                .keyPrefix(prefix)
                .partitions(PARTITIONS)
                .build());
        try {
            join(b.start(100_000));
            Map<Integer, Long> before = workloadCommands(masters);

            long[] expected = new long[PARTITIONS]; // entries each partition should get
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                ids.add("spread-session-" + i + "-" + Long.toHexString(System.nanoTime()));
            }
            long expires = System.currentTimeMillis() + 600_000;
            inChunks(SESSIONS, i -> b.createSession(record(ids.get(i)), expires));

            // two rooms per session: 600 joins, about three members a room
            inChunks(SESSIONS, i -> b.join(ids.get(i), room(i % ROOMS), 10, entry("join"))
                    .thenCompose(first -> {
                        assertThat(first.status()).isEqualTo(JoinResult.Status.CHANGED);
                        return b.join(ids.get(i), room((i * 7 + 3) % ROOMS), 10, entry("join"));
                    }));
            for (int i = 0; i < SESSIONS; i++) {
                expected[partition(room(i % ROOMS))]++;
                expected[partition(room((i * 7 + 3) % ROOMS))]++;
            }

            // room messages go to the room's partition, as the engine sends them
            inChunks(ROOM_APPENDS, k -> b.append(partition(room(k % ROOMS)), entry("message " + k)));
            for (int k = 0; k < ROOM_APPENDS; k++) {
                expected[partition(room(k % ROOMS))]++;
            }

            inChunks(LEAVES, i -> b.leave(ids.get(i), room(i % ROOMS), entry("leave")));
            for (int i = 0; i < LEAVES; i++) {
                expected[partition(room(i % ROOMS))]++;
            }

            // every third session is removed: its entry goes to the session's partition
            List<String> removed = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i += 3) {
                removed.add(ids.get(i));
                expected[partition(ids.get(i))]++;
            }
            inChunks(removed.size(), i -> b.removeSession(removed.get(i), entry("bye")));

            Map<Integer, Long> after = workloadCommands(masters);

            // (a) every master holds keys
            for (int master : masters) {
                assertThat((Long) cluster.command(master, "DBSIZE"))
                        .as("keys on master %d", master)
                        .isPositive();
            }

            // (b) each master serves a third of the commands, ±25 %
            long total = 0;
            Map<Integer, Long> served = new HashMap<>();
            for (int master : masters) {
                long n = after.get(master) - before.get(master);
                served.put(master, n);
                total += n;
            }
            System.out.printf(
                    "spread: %d partitions on 3 masters, workload commands per master %s (total %d)%n",
                    PARTITIONS, served, total);
            for (int master : masters) {
                double share = (double) served.get(master) / total;
                assertThat(share)
                        .as("share of the commands served by master %d (%s)", master, served)
                        .isBetween(0.75 / 3, 1.25 / 3);
            }

            // nothing under the single-slot layout: every key carries a partition's tag, but the meta
            List<String> prefixes = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                prefixes.add(keys.prefixString(p));
            }
            String meta = new String(keys.meta(), StandardCharsets.UTF_8);
            for (int master : masters) {
                for (Object k : (List<?>) cluster.command(master, "KEYS", "*")) {
                    String key = (String) k;
                    assertThat(key.equals(meta) || prefixes.stream().anyMatch(key::startsWith))
                            .as("key %s on master %d has a partition's tag", key, master)
                            .isTrue();
                    assertThat(key.startsWith("{" + prefix + "}:") && !key.equals(meta))
                            .as("key %s is of the single-slot layout", key)
                            .isFalse();
                    // a session's keys are in its partition, a room's in the room's
                    for (int p = 0; p < PARTITIONS; p++) {
                        if (!key.startsWith(prefixes.get(p))) {
                            continue;
                        }
                        String rest = key.substring(prefixes.get(p).length());
                        String name = rest.substring(rest.indexOf(':') + 1);
                        if (rest.startsWith("s:") || rest.startsWith("sr:") || rest.startsWith("sd:")) {
                            assertThat(partition(name))
                                    .as("partition of session key %s", key)
                                    .isEqualTo(p);
                        } else if (rest.startsWith("r:")) {
                            assertThat(partition(name))
                                    .as("partition of room key %s", key)
                                    .isEqualTo(p);
                        }
                    }
                }
            }

            // every entry is in the partition it was routed to
            LogPosition heads = join(b.heads());
            assertThat(heads.toArray()).as("entries per partition").containsExactly(expected);
            assertThat(join(b.sessionCount())).isEqualTo(SESSIONS - removed.size());
        } finally {
            b.close();
        }
    }

    private static String room(int i) {
        return "room-" + i;
    }

    private static int partition(String key) {
        return Partitions.of(key, PARTITIONS);
    }

    private static byte[] entry(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static SessionRecord record(String id) {
        return new SessionRecord(
                id,
                "hash-" + id,
                "/",
                System.currentTimeMillis(),
                LogPosition.zero(PARTITIONS),
                LogPosition.zero(PARTITIONS),
                Map.of("user", "u-" + id));
    }

    /** Runs {@code op(0)} … {@code op(n - 1)}, 200 at a time, and waits for each batch. */
    private static void inChunks(int n, IntFunction<CompletionStage<?>> op) {
        for (int from = 0; from < n; from += 200) {
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 200); i++) {
                batch.add(op.apply(i).toCompletableFuture());
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new))
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
        }
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** Per master, the calls of every command in {@code INFO commandstats} but {@link #NOT_WORKLOAD}. */
    private static Map<Integer, Long> workloadCommands(List<Integer> masters) {
        Map<Integer, Long> out = new HashMap<>();
        for (int master : masters) {
            String stats = (String) cluster.command(master, "INFO", "commandstats");
            long calls = 0;
            for (String line : stats.split("\r?\n")) {
                if (!line.startsWith("cmdstat_")) {
                    continue;
                }
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String command = name.contains("|") ? name.substring(0, name.indexOf('|')) : name;
                if (NOT_WORKLOAD.contains(command)) {
                    continue;
                }
                int at = line.indexOf("calls=") + "calls=".length();
                int end = line.indexOf(',', at);
                calls += Long.parseLong(line.substring(at, end));
            }
            out.put(master, calls);
        }
        return out;
    }
}
