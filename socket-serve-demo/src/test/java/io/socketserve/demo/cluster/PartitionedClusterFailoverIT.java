package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.redis.internal.Keys;
import io.socketserve.redis.testing.RedisClusterProcesses;
import io.socketserve.spi.Partitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 on a Redis Cluster of 3 masters + 3 replicas, three instances and a log of 6 partitions,
 * during a paced stream of broadcasts to three rooms (in different partitions), each sent to a random
 * instance:
 *
 * <ul>
 *   <li>the master serving a room's partition is killed ({@code SIGKILL}): its replica is promoted and
 *       delivery resumes; every listener gets every acknowledged message of every room exactly once,
 *       in order, unless an explicit {@code __missed} for that room's partition covers it;
 *   <li>that partition's slot is resharded live to another master: nothing is lost, duplicated or
 *       reordered, and nothing is reported missing.
 * </ul>
 *
 * Each test gets its own cluster (a kill changes the topology). The sender does not retry a message
 * answered {@code 503}: it may or may not have been logged, so it may arrive (once, in order) or not.
 */
class PartitionedClusterFailoverIT {

    static final int PARTITIONS = 6;
    static final List<String> ROOMS = rooms();

    private final RedisClusterProcesses redisCluster = new RedisClusterProcesses();

    private Cluster cluster;
    private final List<TestClient> listeners = new ArrayList<>();

    /** Three rooms in three different partitions. */
    private static List<String> rooms() {
        List<String> rooms = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        for (int i = 0; rooms.size() < 3; i++) {
            String room = "room" + i;
            if (partitions.add(Partitions.of(room, PARTITIONS))) {
                rooms.add(room);
            }
        }
        return rooms;
    }

    @BeforeEach
    void start() {
        redisCluster.start();
        cluster = new Cluster(
                redisCluster,
                PARTITIONS,
                3,
                o -> o.backendTimeout(Duration.ofSeconds(2))
                        .eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1),
                server -> {
                    server.on(
                            "join",
                            (socket, data, ack) -> socket.join(data.path("room").asText()));
                    server.on(
                            "say",
                            (socket, data, ack) -> socket.broadcastToRoom(
                                    data.path("room").asText(),
                                    "said",
                                    Map.of(
                                            "room",
                                            data.path("room").asText(),
                                            "n",
                                            data.path("n").asInt())));
                });
        for (int i = 0; i < 3; i++) {
            TestClient listener = cluster.client(i);
            listener.connect();
            for (String room : ROOMS) {
                assertThat(cluster.anyAs(listener)
                                .emit("join", Map.of("room", room))
                                .status())
                        .isEqualTo(200);
            }
            TestClient stream = cluster.as(listener, i);
            stream.openStream();
            listeners.add(stream);
        }
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        redisCluster.close();
    }

    /** The port of the master serving {@code room}'s partition now. */
    private int masterOf(String room) {
        return redisCluster.masterOfSlot(slotOf(room));
    }

    private int slotOf(String room) {
        Keys keys = new Keys(cluster.keyPrefix, PARTITIONS);
        return Keys.slot(keys.prefixString(Partitions.of(room, PARTITIONS)) + "log");
    }

    /** Sends "say" n = 0, 1, … round-robin over the rooms, one every 10 ms, to random instances. */
    private final class Sender extends Thread {
        final ConcurrentMap<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final TestClient talker;
        final Random random = new Random(15);

        Sender() {
            talker = cluster.client(0);
            talker.connect();
        }

        @Override
        public void run() {
            for (int n = 0; !stop.get(); n++) {
                String room = ROOMS.get(n % ROOMS.size());
                TestClient via = cluster.as(talker, random.nextInt(3));
                int status;
                try {
                    HttpResult r = via.emit("say", Map.of("room", room, "n", n));
                    status = r.status();
                } catch (RuntimeException e) {
                    status = -1; // no answer: may or may not have been logged
                }
                statuses.put(n, status);
                sent.set(n + 1);
                try {
                    Thread.sleep(10); // pacing of the workload, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void finish() throws InterruptedException {
            stop.set(true);
            join(30_000);
        }

        List<Integer> acked(String room) {
            List<Integer> out = new ArrayList<>();
            new TreeMap<>(statuses).forEach((n, status) -> {
                if (status == 200 && ROOMS.get(n % ROOMS.size()).equals(room)) {
                    out.add(n);
                }
            });
            return out;
        }
    }

    /** What one listener received, per room, and the partitions it was told it missed entries of. */
    private record Received(Map<String, List<Integer>> byRoom, Set<Integer> missedPartitions) {}

    private static Received received(TestClient stream) {
        Map<String, List<Integer>> byRoom = new TreeMap<>();
        Set<Integer> missed = new HashSet<>();
        for (ReceivedFrame f : stream.frames().snapshot()) {
            if ("said".equals(f.event())) {
                byRoom.computeIfAbsent(f.data().path("room").asText(), k -> new ArrayList<>())
                        .add(f.data().path("n").asInt());
            } else if ("__missed".equals(f.event())) {
                missed.add(f.data().path("partition").asInt());
            }
        }
        return new Received(byRoom, missed);
    }

    /** Waits until every listener has every acked message (or a __missed for its partition), then checks order and duplicates. */
    private void assertExactlyOnceInOrder(Sender sender, boolean missedAllowed) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (TestClient stream : listeners) {
                Received got = received(stream);
                for (String room : ROOMS) {
                    if (got.missedPartitions().contains(Partitions.of(room, PARTITIONS))) {
                        continue;
                    }
                    assertThat(got.byRoom().getOrDefault(room, List.of()))
                            .as("room %s", room)
                            .containsAll(sender.acked(room));
                }
            }
        });
        for (TestClient stream : listeners) {
            Received got = received(stream);
            if (!missedAllowed) {
                assertThat(got.missedPartitions()).as("__missed").isEmpty();
            }
            for (String room : ROOMS) {
                List<Integer> ns = got.byRoom().getOrDefault(room, List.of());
                assertThat(ns)
                        .as("room %s: in order, no duplicates", room)
                        .isSorted()
                        .doesNotHaveDuplicates();
                for (int n : ns) {
                    assertThat(sender.statuses.get(n))
                            .as("message %d was sent", n)
                            .isNotNull();
                }
            }
        }
    }

    private void awaitDelivered(Sender sender, int messages) {
        await().atMost(Duration.ofSeconds(20)).until(() -> listeners.stream()
                .allMatch(s -> received(s).byRoom().values().stream()
                                .mapToInt(List::size)
                                .sum()
                        >= messages));
    }

    @Test
    void aMasterKilledMidStreamLosesNothingSilently() throws Exception {
        Sender sender = new Sender();
        sender.start();
        awaitDelivered(sender, 150);
        String room = ROOMS.get(0);
        int slot = slotOf(room);
        int master = masterOf(room);
        long killedAt = System.nanoTime();
        redisCluster.killMaster(master);
        int promoted = redisCluster.awaitPromotion(slot, master, Duration.ofSeconds(20));
        long promotedAt = System.nanoTime();
        // delivery of the room's partition resumes: a message sent after the promotion arrives
        int after = sender.sent.get();
        await().atMost(Duration.ofMillis(redisCluster.nodeTimeoutMillis() + 2000L))
                .until(() -> listeners.stream()
                        .allMatch(s -> received(s).byRoom().getOrDefault(room, List.of()).stream()
                                .anyMatch(n -> n >= after)));
        long resumedAt = System.nanoTime();
        sender.finish();
        System.out.printf(
                "PartitionedClusterFailoverIT: master %d killed, %d promoted after %d ms, delivery of %s resumed %d ms after"
                        + " the promotion; %d messages, %d answered 200%n",
                master,
                promoted,
                (promotedAt - killedAt) / 1_000_000,
                room,
                (resumedAt - promotedAt) / 1_000_000,
                sender.sent.get(),
                sender.statuses.values().stream().filter(s -> s == 200).count());
        assertExactlyOnceInOrder(sender, true);
    }

    @Test
    void aPartitionResharedLiveLosesAndDuplicatesNothing() throws Exception {
        Sender sender = new Sender();
        sender.start();
        awaitDelivered(sender, 100);
        for (String room : ROOMS.subList(0, 2)) {
            int slot = slotOf(room);
            int from = redisCluster.masterOfSlot(slot);
            int to = redisCluster.masterPorts().stream()
                    .filter(p -> p != from)
                    .findFirst()
                    .orElseThrow();
            redisCluster.reshardSlot(slot, to);
            assertThat(redisCluster.masterOfSlot(slot)).isEqualTo(to);
        }
        int after = sender.sent.get();
        awaitDelivered(sender, after + 60);
        sender.finish();
        assertThat(sender.statuses.values()).as("every send answered 200").containsOnly(200);
        assertExactlyOnceInOrder(sender, false);
    }
}
