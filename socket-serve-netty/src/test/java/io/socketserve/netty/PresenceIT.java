package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.PresenceEntry;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Presence over real HTTP on one instance (in-memory backend): join/leave/update events to room
 * members, one entry per user however many sessions, liveness lapse and revival when a stream stays
 * away and comes back, the offline callback after its grace period, and clear errors. The Redis
 * variant across instances, with an instance killed, is {@code PresenceClusterIT} in the demo module;
 * the backend operations themselves are in the contract suite, run against both backends.
 */
class PresenceIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(400);
    private static final Duration GRACE = Duration.ofMillis(600);

    private final List<String> offline = new CopyOnWriteArrayList<>();
    private final TestServer ts = TestServer.start(
            b -> b.presenceHeartbeat(HEARTBEAT).presenceOfflineGrace(GRACE).maxPresenceStateBytes(256));

    PresenceIT() {
        SocketServer s = ts.server();
        s.on("enter", (socket, d, ack) -> {
            socket.track(d.path("room").asText(), d.path("user").asText(), d.get("state"));
            ack.send(s.presence(d.path("room").asText()));
        });
        s.on("status", (socket, d, ack) -> socket.updatePresence(d.path("room").asText(), d.get("state")));
        s.on("untrack", (socket, d, ack) -> socket.untrack(d.asText()));
        s.on("leave", (socket, d, ack) -> socket.leave(d.asText()));
        s.on("join", (socket, d, ack) -> socket.join(d.asText()));
        s.on("say", (socket, d, ack) -> socket.broadcastToRoom("lobby", "said", d));
        s.onUserOffline(offline::add);
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static Map<String, Object> enter(String room, String user, Object state) {
        return Map.of("room", room, "user", user, "state", state);
    }

    private static void assertPresence(ReceivedFrame f, String type, String user) {
        assertThat(f.event()).isEqualTo("presence");
        assertThat(f.data().path("type").asText()).isEqualTo(type);
        assertThat(f.data().path("user").asText()).isEqualTo(user);
        assertThat(f.data().path("room").asText()).isEqualTo("lobby");
    }

    @Test
    void trackingTellsEveryMemberAndTheAckListsWhoIsHere() {
        TestClient watcher = ts.streamingClient();
        watcher.emit("join", "lobby");
        TestClient ann = ts.streamingClient();

        TestClient.Emitted e = ann.emitWithAck("enter", enter("lobby", "ann", Map.of("status", "online")), true);

        JsonNode list = e.response().json().path("ack");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("userId").asText()).isEqualTo("ann");
        assertThat(list.get(0).path("state").path("status").asText()).isEqualTo("online");
        assertThat(list.get(0).path("sessions").asInt()).isEqualTo(1);
        ReceivedFrame joined = watcher.assertEvent("presence");
        assertPresence(joined, "join", "ann");
        assertThat(joined.data().path("state").path("status").asText()).isEqualTo("online");
        assertThat(joined.id())
                .as("presence events are in the log: they have a position")
                .isNotNull();
        assertPresence(ann.assertEvent("presence"), "join", "ann"); // tracking joined the room
        assertThat(ts.server().presenceCount("lobby")).isEqualTo(1);
        assertThat(ts.server().roomMembers("lobby")).contains(ann.id(), watcher.id());
    }

    @Test
    void aUserWithTwoSessionsIsPresentOnceAndLeavesWithTheLast() {
        TestClient watcher = ts.streamingClient();
        watcher.emit("join", "lobby");
        TestClient phone = ts.streamingClient();
        TestClient laptop = ts.streamingClient();

        phone.emit("enter", enter("lobby", "ann", "x"));
        laptop.emit("enter", enter("lobby", "ann", "x"));
        assertPresence(watcher.assertEvent("presence"), "join", "ann");
        assertThat(ts.server().presenceCount("lobby")).isEqualTo(1);
        List<PresenceEntry> here = ts.server().presence("lobby");
        assertThat(here).singleElement().satisfies(p -> assertThat(p.sessions()).isEqualTo(2));

        phone.disconnect();
        await().until(() -> ts.server().presence("lobby").get(0).sessions() == 1);
        laptop.emit("say", "fence"); // a later log entry: whatever came before it has been delivered
        watcher.awaitEvent("said");
        assertThat(watcher.frames().history())
                .filteredOn(f -> f.event().equals("presence"))
                .hasSize(1);

        laptop.emit("leave", "lobby");
        assertPresence(watcher.assertEvent("presence"), "leave", "ann");
        assertThat(ts.server().presenceCount("lobby")).isZero();
    }

    @Test
    void updateAndUntrackAreTold() {
        TestClient watcher = ts.streamingClient();
        watcher.emit("join", "lobby");
        TestClient ann = ts.streamingClient();
        ann.emit("enter", enter("lobby", "ann", Map.of("status", "online")));
        assertPresence(watcher.assertEvent("presence"), "join", "ann");

        ann.emit("status", Map.of("room", "lobby", "state", Map.of("status", "away")));
        ReceivedFrame update = watcher.assertEvent("presence");
        assertPresence(update, "update", "ann");
        assertThat(update.data().path("state").path("status").asText()).isEqualTo("away");
        assertThat(ts.server().presence("lobby").get(0).state().path("status").asText())
                .isEqualTo("away");

        ann.emit("untrack", "lobby");
        assertPresence(watcher.assertEvent("presence"), "leave", "ann");
        assertThat(ts.server().roomMembers("lobby")).contains(ann.id()); // still a member
    }

    @Test
    @Tag("vanished-client") // noticing a client that closed its stream without a write: see the servlet pom
    void aStreamThatStaysAwayLapsesAndComesBackOnReconnect() {
        TestClient watcher = ts.streamingClient();
        watcher.emit("join", "lobby");
        TestClient ann = ts.streamingClient();
        ann.emit("enter", enter("lobby", "ann", "here"));
        assertPresence(watcher.assertEvent("presence"), "join", "ann");
        assertPresence(ann.assertEvent("presence"), "join", "ann");

        long closed = System.nanoTime();
        ann.closeStream();
        ReceivedFrame left = watcher.awaitEvent("presence", Duration.ofSeconds(10));
        long tookMillis = (System.nanoTime() - closed) / 1_000_000;
        assertPresence(left, "leave", "ann");
        // Bound: 1.5 heartbeats of liveness + a quarter heartbeat of sweep (+ scheduling slack).
        assertThat(tookMillis).isLessThan(HEARTBEAT.toMillis() * 2 + 1_000);
        assertThat(ts.server().presenceCount("lobby")).isZero();
        assertThat(ts.server().roomMembers("lobby")).contains(ann.id()); // the session itself lives on

        ann.openStream(ann.lastEventId());
        ReceivedFrame back = watcher.awaitEvent("presence");
        assertPresence(back, "join", "ann");
        assertThat(back.data().path("state").asText()).isEqualTo("here");
        assertThat(ts.server().presenceCount("lobby")).isEqualTo(1);
    }

    @Test
    void theOfflineCallbackFiresOnceAfterTheGracePeriod() {
        TestClient ann = ts.streamingClient();
        ann.emit("enter", enter("lobby", "ann", 1));
        ann.disconnect();

        await().atMost(Duration.ofSeconds(10)).until(() -> offline.contains("ann"));
        TestClient fence = ts.streamingClient();
        fence.emit("enter", enter("lobby", "fence", 1));
        fence.disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() -> offline.contains("fence"));
        assertThat(offline).containsExactly("ann", "fence");
    }

    @Test
    void aQuickReconnectWithinTheGracePeriodIsNotOffline() {
        TestServer slow =
                TestServer.start(b -> b.presenceHeartbeat(HEARTBEAT).presenceOfflineGrace(Duration.ofSeconds(3)));
        try {
            List<String> gone = new CopyOnWriteArrayList<>();
            slow.server().onUserOffline(gone::add);
            slow.server().on("enter", (socket, d, ack) -> socket.track("lobby", d.asText(), null));
            TestClient first = slow.streamingClient();
            first.emit("enter", "ann");
            TestClient other = slow.streamingClient();
            other.emit("enter", "bob");
            first.disconnect();
            other.disconnect();
            TestClient again = slow.streamingClient(); // ann is back (a new session) within the grace
            again.emit("enter", "ann");

            await().atMost(Duration.ofSeconds(10)).until(() -> gone.contains("bob"));
            assertThat(gone).containsExactly("bob");
        } finally {
            slow.close();
        }
    }

    @Test
    void badPresenceCallsAreClearErrors() {
        TestClient ann = ts.streamingClient();
        HttpResult r = ann.emit("enter", enter("lobby", "", 1));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_user");

        r = ann.emit("enter", enter("lobby", "ann", "x".repeat(300)));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("presence_state_too_large");

        r = ann.emit("status", Map.of("room", "lobby", "state", 1));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("not_tracked");

        assertThat(ann.emit("enter", enter("lobby", "ann", 1)).status()).isEqualTo(200);
        r = ann.emit("enter", enter("other", "bob", 1));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("presence_user_mismatch");
        assertThat(ts.server().presenceCount("other")).isZero();
        assertThat(ts.server().presenceCount("lobby")).isEqualTo(1);
    }

    @Test
    void volatileFramesHaveNoPositionAndAreNeverReplayed() {
        TestClient live = ts.streamingClient();
        live.emit("join", "r");
        TestClient away = ts.connectedClient();
        away.emit("join", "r");

        ts.server()
                .to("r")
                .volatileEmit("cursor", Map.of("x", 1))
                .toCompletableFuture()
                .join();
        ts.server().to("r").emit("kept", 2).toCompletableFuture().join();

        ReceivedFrame cursor = live.awaitEvent("cursor");
        assertThat(cursor.id()).as("a volatile frame has no SSE id").isNull();
        ReceivedFrame kept = live.awaitEvent("kept");
        away.openStream(0);
        assertThat(away.awaitEvent("kept").id()).isEqualTo(kept.id());
        assertThat(away.frames().history()).noneMatch(f -> f.event().equals("cursor"));
    }
}
