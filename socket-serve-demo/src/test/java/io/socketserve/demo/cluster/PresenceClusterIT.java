package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Presence and volatile emits across three instances on one real Redis: presence visible from every
 * instance, a user with sessions on two instances present once, a killed instance's users gone
 * within two heartbeats and told offline exactly once, a client that reconnects elsewhere never
 * flickers, and volatile frames cross instances without entering the log.
 */
class PresenceClusterIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final Duration GRACE = Duration.ofMillis(500);

    private Cluster cluster;
    private final List<String> offline = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        cluster = new Cluster(
                3,
                o -> o.presenceHeartbeat(HEARTBEAT)
                        .presenceOfflineGrace(GRACE)
                        .sessionTimeout(Duration.ofSeconds(30))
                        .eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1),
                server -> {
                    server.on("join", (socket, d, ack) -> socket.join(d.asText()));
                    server.on(
                            "enter", (socket, d, ack) -> socket.track("lobby", d.asText(), Map.of("name", d.asText())));
                    server.on("cursor", (socket, d, ack) -> socket.to("lobby").volatileEmit("cursor", d));
                    server.onUserOffline(offline::add);
                });
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static void ok(HttpResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    private static TestClient streaming(TestClient c) {
        c.connect();
        c.openStream();
        return c;
    }

    private static ReceivedFrame presence(TestClient c, String type, String user) {
        return c.await(
                f -> f.event().equals("presence")
                        && f.data().path("type").asText().equals(type)
                        && f.data().path("user").asText().equals(user),
                type + " of " + user);
    }

    @Test
    void presenceIsTheSameFromEveryInstanceAndCountsAUserOnce() {
        TestClient watcher = streaming(cluster.client(2));
        ok(watcher.emit("join", "lobby"));
        TestClient annPhone = streaming(cluster.client(0));
        TestClient annLaptop = streaming(cluster.client(1));
        TestClient bob = streaming(cluster.client(1));

        ok(annPhone.emit("enter", "ann"));
        ok(annLaptop.emit("enter", "ann"));
        ok(bob.emit("enter", "bob"));

        presence(watcher, "join", "ann");
        presence(watcher, "join", "bob");
        for (Cluster.Node n : cluster.nodes) {
            assertThat(n.server.presenceCount("lobby")).isEqualTo(2);
            assertThat(n.server.presence("lobby")).anySatisfy(p -> {
                assertThat(p.userId()).isEqualTo("ann");
                assertThat(p.sessions()).isEqualTo(2);
                assertThat(p.state().path("name").asText()).isEqualTo("ann");
            });
        }
        assertThat(watcher.frames().history())
                .filteredOn(f -> f.event().equals("presence"))
                .hasSize(2);
    }

    @Test
    void aKilledInstancesUsersLeaveWithinTwoHeartbeatsAndGoOfflineOnce() {
        TestClient watcher = streaming(cluster.client(1));
        ok(watcher.emit("join", "lobby"));
        TestClient ann = streaming(cluster.client(0));
        ok(ann.emit("enter", "ann"));
        presence(watcher, "join", "ann");

        long killed = System.nanoTime();
        cluster.node(0).kill(); // ann's stream was there; her client does not come back
        presence(watcher, "leave", "ann");
        long tookMillis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf(
                "PresenceClusterIT: killed instance's user left after %d ms (heartbeat %d ms, bound 2x)%n",
                tookMillis, HEARTBEAT.toMillis());
        assertThat(tookMillis)
                .as("leave after %d ms; heartbeat %d ms", tookMillis, HEARTBEAT.toMillis())
                .isLessThanOrEqualTo(2 * HEARTBEAT.toMillis() + 300);
        assertThat(cluster.node(2).server.presenceCount("lobby")).isZero();

        await().atMost(Duration.ofSeconds(10)).until(() -> offline.contains("ann"));
        // Exactly once across the two live instances: a later user's offline arrives after ann's,
        // and ann has not been told twice meanwhile.
        TestClient bob = streaming(cluster.client(2));
        ok(bob.emit("enter", "bob"));
        ok(bob.disconnect());
        await().atMost(Duration.ofSeconds(10)).until(() -> offline.contains("bob"));
        assertThat(offline).containsExactly("ann", "bob");
    }

    @Test
    void aClientThatReconnectsToAnotherInstanceInTimeNeverLeaves() {
        TestClient watcher = streaming(cluster.client(1));
        ok(watcher.emit("join", "lobby"));
        TestClient ann = streaming(cluster.client(0));
        ok(ann.emit("enter", "ann"));
        presence(watcher, "join", "ann");
        presence(ann, "join", "ann"); // her own join: she has a position to resume from
        long last = ann.lastEventId();

        cluster.node(0).kill();
        TestClient back = cluster.as(ann, 2);
        back.openStream(last); // what the browser's EventSource does, through the load balancer

        // Wait past the detection bound, then check with a later log entry that nothing came before.
        long until = System.nanoTime() + 3 * HEARTBEAT.toNanos();
        await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() > until);
        ok(cluster.as(ann, 1).emit("join", "fence"));
        assertThat(cluster.node(1).server.presenceCount("lobby")).isEqualTo(1);
        assertThat(watcher.frames().history())
                .filteredOn(f -> f.event().equals("presence"))
                .extracting(f -> f.data().path("type").asText())
                .containsExactly("join");
        assertThat(offline).isEmpty();
    }

    @Test
    void volatileFramesCrossInstancesWithoutAPosition() {
        TestClient watcher = streaming(cluster.client(1));
        ok(watcher.emit("join", "lobby"));
        TestClient mover = streaming(cluster.client(0));
        ok(mover.emit("join", "lobby"));

        ok(mover.emit("cursor", Map.of("x", 3, "y", 4)));

        ReceivedFrame cursor = watcher.awaitEvent("cursor");
        assertThat(cursor.id()).isNull();
        assertThat(cursor.data().path("x").asInt()).isEqualTo(3);
        assertThat(mover.frames().history()).noneMatch(f -> f.event().equals("cursor")); // to(): not the sender
    }
}
