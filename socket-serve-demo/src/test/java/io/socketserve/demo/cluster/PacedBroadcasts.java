package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
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

/**
 * A paced stream of broadcasts to rooms in different partitions of a partitioned log, sent to random
 * instances, and the listeners (one per instance, streaming, members of every room) that check what
 * arrived: every acknowledged message of every room exactly once, in order, unless an explicit
 * {@code __missed} for the room's partition covers it. A message answered {@code 503} (or not
 * answered) is not sent again: it may or may not have been logged, so it may arrive (once, in
 * order) or not.
 */
final class PacedBroadcasts {

    private final Cluster cluster;
    private final int partitions;
    final List<String> rooms;
    final List<TestClient> listeners = new ArrayList<>();

    /** The handlers the instances need: "join" {room}, "say" {room, n} → "said" {room, n} to the room. */
    static void handlers(SocketServer server) {
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
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
    }

    /** Three rooms in three different partitions (any three when there are fewer partitions). */
    static List<String> rooms(int partitions) {
        List<String> rooms = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; rooms.size() < 3; i++) {
            String room = "room" + i;
            if (seen.add(Partitions.of(room, partitions)) || seen.size() >= partitions) {
                rooms.add(room);
            }
        }
        return rooms;
    }

    /** Connects one listener per instance, joins it to every room, and opens its stream. */
    PacedBroadcasts(Cluster cluster, int partitions) {
        this.cluster = cluster;
        this.partitions = partitions;
        this.rooms = rooms(partitions);
        for (int i = 0; i < cluster.nodes.size(); i++) {
            TestClient listener = cluster.client(i);
            listener.connect();
            for (String room : rooms) {
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

    Sender sender() {
        return new Sender();
    }

    /** Sends "say" n = 0, 1, … round-robin over the rooms, one every 10 ms, to random live instances. */
    final class Sender extends Thread {
        final ConcurrentMap<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final TestClient talker;

        Sender() {
            super("paced-broadcasts");
            talker = cluster.client(0);
            talker.connect();
        }

        @Override
        public void run() {
            Random random = new Random(15);
            for (int n = 0; !stop.get(); n++) {
                String room = rooms.get(n % rooms.size());
                TestClient via = cluster.as(talker, random.nextInt(cluster.nodes.size()));
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
                    Thread.sleep(10); // the pace of the workload, not a wait for a condition
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
                if (status == 200 && rooms.get(n % rooms.size()).equals(room)) {
                    out.add(n);
                }
            });
            return out;
        }

        long answered200() {
            return statuses.values().stream().filter(s -> s == 200).count();
        }
    }

    private boolean resumeEndedThen(boolean value) {
        resumeEnded();
        return value;
    }

    /** What one listener received, per room, and the partitions it was told it missed entries of. */
    record Received(Map<String, List<Integer>> byRoom, Set<Integer> missedPartitions) {}

    static Received received(TestClient stream) {
        Map<String, List<Integer>> byRoom = new TreeMap<>();
        Set<Integer> missed = new HashSet<>();
        for (ReceivedFrame f : stream.frames().snapshot()) {
            if ("said".equals(f.event())) {
                byRoom.computeIfAbsent(f.data().path("room").asText(), k -> new ArrayList<>())
                        .add(f.data().path("n").asInt());
            } else if ("__missed".equals(f.event())) {
                missed.add(f.data().path("partition").asInt(0));
            }
        }
        return new Received(byRoom, missed);
    }

    /**
     * Resumes the stream of every listener whose stream the server ended, with its last id, as the
     * browser's {@code EventSource} does: an instance closes its local streams when it sees entries
     * of a partition lost (a new epoch after a failover), so that their clients resume and are told
     * {@code __missed}.
     */
    void resumeEnded() {
        for (TestClient listener : listeners) {
            if (!listener.streamOpen()) {
                String last = listener.lastEventIdText();
                try {
                    HttpResult r =
                            listener.tryOpenStream(Map.of(), last == null ? Map.of() : Map.of("Last-Event-ID", last));
                    resumes.incrementAndGet();
                    if (r.status() != 200) {
                        failedResumes.add(r.toString());
                    }
                } catch (RuntimeException e) {
                    failedResumes.add(e.toString()); // an instance that cannot answer yet: tried again
                }
            }
        }
    }

    /** How many times a listener's stream was resumed after the server ended it. */
    final AtomicInteger resumes = new AtomicInteger();

    /** Resumes that were refused or failed (tried again later). */
    final List<String> failedResumes = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Waits until every listener has received at least {@code messages} messages in all. */
    void awaitDelivered(int messages) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> resumeEndedThen(true)
                        && listeners.stream()
                                .allMatch(s -> received(s).byRoom().values().stream()
                                                .mapToInt(List::size)
                                                .sum()
                                        >= messages));
    }

    /** Waits until every listener got a message of {@code room} numbered {@code from} or later. */
    void awaitDeliveryOf(String room, int from, Duration timeout) {
        await().atMost(timeout)
                .until(() -> resumeEndedThen(true)
                        && listeners.stream().allMatch(s -> received(s).byRoom().getOrDefault(room, List.of()).stream()
                                .anyMatch(n -> n >= from)));
    }

    /**
     * Waits until every listener has every acknowledged message of every room (unless told
     * {@code __missed} for its partition, when {@code missedAllowed}), then checks that each room's
     * messages arrived in order, without duplicates, and were all sent.
     */
    void assertExactlyOnceInOrder(Sender sender, boolean missedAllowed) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            resumeEnded();
            for (TestClient stream : listeners) {
                Received got = received(stream);
                for (String room : rooms) {
                    if (missedAllowed && got.missedPartitions().contains(Partitions.of(room, partitions))) {
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
            for (String room : rooms) {
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
}
