package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.redis.testing.TcpForwarder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis replica promoted before it received the newest log entries, as an asynchronous failover
 * leaves it: two instances behind a switchable address (a floating IP), a client that saw the entries
 * the new master lacks and one that did not. Both are told with {@code __missed}, exactly over the
 * positions the store no longer has; nobody is handed another entry under a position already seen.
 */
class LostEntriesIT {

    private RedisServerProcess master;
    private RedisServerProcess replica;
    private TcpForwarder vip;
    private Cluster cluster;

    @BeforeEach
    void start() {
        master = new RedisServerProcess().start();
        replica = new RedisServerProcess().start();
        vip = new TcpForwarder(master.port());
        cluster = new Cluster(
                vip.uri(),
                2,
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
                                    Map.of("n", data.path("n").asInt())));
                });
    }

    @AfterEach
    void stop() {
        cluster.close();
        vip.close();
        master.close();
        replica.close();
    }

    @Test
    void clientsResumingAcrossEntriesAPromotedReplicaLackedAreToldExactlyWhatIsGone() {
        TestClient alice = cluster.client(0);
        alice.connect();
        ok(alice.emit("join", Map.of("room", "r")));
        alice.openStream();
        TestClient bob = cluster.client(1);
        bob.connect();
        ok(bob.emit("join", Map.of("room", "r")));
        bob.openStream();
        TestClient publisher = cluster.client(1);
        publisher.connect();

        for (int n = 1; n <= 5; n++) {
            ok(publisher.emit("say", Map.of("room", "r", "n", n)));
        }
        assertThat(alice.awaitEvents("said", 5))
                .extracting(f -> f.data().path("n").asInt())
                .containsExactly(1, 2, 3, 4, 5);
        assertThat(bob.awaitEvents("said", 5))
                .extracting(f -> f.data().path("n").asInt())
                .containsExactly(1, 2, 3, 4, 5);
        long bobSaw = bob.lastEventId();
        bob.closeStream();

        // The replica is in sync, then promoted while the master takes two more broadcasts.
        assertThat(replica.tryCommand("REPLICAOF 127.0.0.1 " + master.port())).isEqualTo("+OK");
        String entries = master.tryCommand("XLEN {ss}:log");
        assertThat(entries).startsWith(":").isNotEqualTo(":0");
        await().atMost(Duration.ofSeconds(10)).until(() -> entries.equals(replica.tryCommand("XLEN {ss}:log")));
        assertThat(replica.tryCommand("REPLICAOF NO ONE")).isEqualTo("+OK");
        ok(publisher.emit("say", Map.of("room", "r", "n", 6)));
        ok(publisher.emit("say", Map.of("room", "r", "n", 7)));
        assertThat(alice.awaitEvents("said", 2))
                .extracting(f -> f.data().path("n").asInt())
                .containsExactly(6, 7);
        long aliceSaw = alice.lastEventId();

        master.kill();
        vip.retarget(replica.port());
        // Every request may land on either instance; the first ones after the switch may find the
        // connection still re-establishing (503), none is answered twice.
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> publisher.emit("say", Map.of("room", "r", "n", 8)).status() == 200);

        // Alice's instance read the jump and closed her stream so that she resumes.
        assertThat(alice.awaitStreamEnd(Duration.ofSeconds(10))).isTrue();
        alice.openStream(aliceSaw);
        ReceivedFrame aliceMissed = alice.awaitEvent("__missed");
        assertThat(aliceMissed.data().path("after").asLong()).isEqualTo(aliceSaw);
        long oldest = aliceMissed.data().path("oldest").asLong();
        assertThat(oldest).isGreaterThan(aliceSaw);
        ReceivedFrame eight = alice.awaitEvent("said");
        assertThat(eight.data().path("n").asInt()).isEqualTo(8);
        assertThat(eight.position()).isEqualTo(oldest);

        // Bob saw 1..5: 6 and 7 are gone from the store, and he is told so, by polling and on a stream.
        TestClient.PollResult polled = cluster.as(bob, 1).poll(bobSaw, 0);
        assertThat(polled.events()).containsExactly("__missed", "said");
        assertThat(polled.messages().get(0).data().path("after").asLong()).isEqualTo(bobSaw);
        assertThat(polled.messages().get(0).data().path("oldest").asLong()).isEqualTo(oldest);
        assertThat(polled.position()).isGreaterThanOrEqualTo(oldest);
        TestClient bobAgain = cluster.as(bob, 0);
        bobAgain.openStream(bobSaw);
        ReceivedFrame bobMissed = bobAgain.awaitEvent("__missed");
        assertThat(bobMissed.data().path("after").asLong()).isEqualTo(bobSaw);
        assertThat(bobMissed.data().path("oldest").asLong()).isEqualTo(oldest);
        ReceivedFrame bobEight = bobAgain.awaitEvent("said");
        assertThat(bobEight.data().path("n").asInt()).isEqualTo(8);
        assertThat(bobEight.position()).isEqualTo(oldest);
    }

    private static void ok(HttpResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }
}
