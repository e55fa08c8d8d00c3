package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.Socket;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rooms over HTTP. Each test ends its expectations with a fence (an emit to everybody): the log is
 * ordered, so a frame that should not have arrived would have arrived before the fence.
 */
class RoomsIT {

    private final TestServer ts = TestServer.start();

    @BeforeEach
    void handlers() {
        ts.server().on("join", (s, d, a) -> s.join(d.asText()));
        ts.server().on("leave", (s, d, a) -> s.leave(d.asText()));
        ts.server().on("rooms", (s, d, a) -> a.send(s.rooms()));
        ts.server().on("say", (s, d, a) -> s.broadcastToRoom(d.path("room").asText(), "said", d.path("text")));
        ts.server().on("tell", (s, d, a) -> s.to(d.path("room").asText()).emit("told", d.path("text")));
        ts.server().on("shout", (s, d, a) -> s.broadcast().emit("shouted", d));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private Socket socketOf(TestClient c) {
        return ts.server().socket(c.id()).orElseThrow();
    }

    private static void fence(TestServer ts, TestClient... clients) {
        ts.server().emit("fence", null).toCompletableFuture().join();
        for (TestClient c : clients) {
            c.assertEvent("fence");
            c.assertExhausted();
        }
    }

    @Test
    void joinLeaveAndRoomsOverEvents() {
        TestClient c = ts.connectedClient();

        c.emit("join", "a");
        c.emit("join", "b");
        com.fasterxml.jackson.databind.JsonNode rooms =
                c.emitWithAck("rooms", null, true).response().json().path("ack");
        assertThat(rooms.toString()).contains("\"a\"", "\"b\"");
        assertThat(rooms.size()).isEqualTo(2);
        c.emit("leave", "a");

        assertThat(ts.server().socketRooms(c.id())).containsExactly("b");
    }

    @Test
    void joinIsIdempotent() {
        TestClient c = ts.connectedClient();

        c.emit("join", "a");
        c.emit("join", "a");

        assertThat(ts.server().socketRooms(c.id())).containsExactly("a");
        assertThat(ts.server().roomSize("a")).isEqualTo(1);
    }

    @Test
    void broadcastToRoomReachesEveryMemberIncludingTheSender() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        TestClient carol = ts.streamingClient();
        alice.emit("join", "r");
        bob.emit("join", "r");

        alice.emit("say", Map.of("room", "r", "text", "hi"));

        for (TestClient member : new TestClient[] {alice, bob}) {
            ReceivedFrame f = member.assertEvent("said");
            assertThat(f.data().asText()).isEqualTo("hi");
            assertThat(f.sessionId()).isEqualTo(alice.id());
        }
        fence(ts, alice, bob, carol);
    }

    @Test
    void socketToRoomExcludesTheSender() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        alice.emit("join", "r");
        bob.emit("join", "r");

        alice.emit("tell", Map.of("room", "r", "text", "psst"));

        assertThat(bob.assertEvent("told").sessionId()).isEqualTo(alice.id());
        fence(ts, alice, bob);
    }

    @Test
    void socketBroadcastReachesEveryoneButTheSender() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        TestClient carol = ts.streamingClient();

        alice.emit("shout", "hey");

        bob.assertEvent("shouted");
        carol.assertEvent("shouted");
        fence(ts, alice, bob, carol);
    }

    @Test
    void serverToRoomExceptRoomReachesMembersOfOneButNotTheOther() {
        TestClient inA = ts.streamingClient();
        TestClient inAandB = ts.streamingClient();
        TestClient inB = ts.streamingClient();
        TestClient none = ts.streamingClient();
        socketOf(inA).join("a");
        socketOf(inAandB).join("a");
        socketOf(inAandB).join("b");
        socketOf(inB).join("b");

        ts.server().to("a").except("b").emit("news", 1);

        assertThat(inA.assertEvent("news").sessionId()).isNull();
        fence(ts, inA, inAandB, inB, none);
    }

    @Test
    void serverToSeveralRoomsDeliversOncePerSocket() {
        TestClient both = ts.streamingClient();
        socketOf(both).join("a");
        socketOf(both).join("b");

        ts.server().to("a", "b").emit("news", 1);

        both.assertEvent("news");
        fence(ts, both);
    }

    @Test
    void serverEmitReachesEverySocket() {
        TestClient a = ts.streamingClient();
        TestClient b = ts.streamingClient();

        ts.server().emit("announcement", "all");

        assertThat(a.assertEvent("announcement").data().asText()).isEqualTo("all");
        assertThat(b.assertEvent("announcement").data().asText()).isEqualTo("all");
    }

    @Test
    void roomMembersAndSocketRoomsAnswerFromTheServer() {
        TestClient a = ts.connectedClient();
        TestClient b = ts.connectedClient();
        a.emit("join", "r");
        b.emit("join", "r");
        b.emit("join", "s");

        assertThat(ts.server().roomMembers("r")).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(ts.server().roomSize("r")).isEqualTo(2);
        assertThat(ts.server().socketRooms(b.id())).containsExactlyInAnyOrder("r", "s");
        assertThat(ts.server().roomMembers("empty")).isEmpty();
    }

    @Test
    void inRoomSocketsJoinAddsEveryMemberToAnotherRoom() {
        TestClient a = ts.streamingClient();
        TestClient b = ts.streamingClient();
        TestClient outsider = ts.streamingClient();
        a.emit("join", "lobby");
        b.emit("join", "lobby");

        ts.server().in("lobby").socketsJoin("announcements");
        ts.server().to("announcements").emit("news", 1);

        assertThat(ts.server().roomMembers("announcements")).containsExactlyInAnyOrder(a.id(), b.id());
        a.assertEvent("news");
        b.assertEvent("news");
        fence(ts, a, b, outsider);
    }

    @Test
    void inRoomSocketsLeaveRemovesEveryMember() {
        TestClient a = ts.streamingClient();
        TestClient b = ts.streamingClient();
        a.emit("join", "lobby");
        b.emit("join", "lobby");
        a.emit("join", "game");
        b.emit("join", "game");

        ts.server().in("lobby").socketsLeave("game");
        ts.server().to("game").emit("news", 1);

        assertThat(ts.server().roomMembers("game")).isEmpty();
        fence(ts, a, b);
    }

    @Test
    void inRoomDisconnectSocketsEndsEveryMember() {
        TestClient a = ts.streamingClient();
        TestClient b = ts.streamingClient();
        TestClient outsider = ts.streamingClient();
        a.emit("join", "doomed");
        b.emit("join", "doomed");

        ts.server().in("doomed").disconnectSockets();

        for (TestClient c : new TestClient[] {a, b}) {
            assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                    .isEqualTo("server namespace disconnect");
            assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
            assertThat(c.emit("join", "x").status()).isEqualTo(404);
        }
        assertThat(ts.server().roomMembers("doomed")).isEmpty();
        assertThat(outsider.emit("join", "x").status()).isEqualTo(200);
    }

    @Test
    void leftRoomNoLongerDelivers() {
        TestClient a = ts.streamingClient();
        a.emit("join", "r");
        a.emit("leave", "r");

        ts.server().to("r").emit("news", 1);

        fence(ts, a);
    }

    @Test
    void lateJoinerDoesNotReceiveEarlierRoomMessages() {
        TestClient early = ts.streamingClient();
        TestClient late = ts.connectedClient(); // connected before the first message, no stream yet
        early.emit("join", "r");
        ts.server().to("r").emit("m", 1).toCompletableFuture().join();

        late.emit("join", "r");
        ts.server().to("r").emit("m", 2).toCompletableFuture().join();
        late.openStream(); // replays from its creation: must skip m1, which predates its join

        assertThat(late.assertEvent("m").data().asInt()).isEqualTo(2);
        assertThat(early.assertEvent("m").data().asInt()).isEqualTo(1);
        assertThat(early.assertEvent("m").data().asInt()).isEqualTo(2);
        fence(ts, early, late);
    }

    @Test
    void lateJoinerWithALiveStreamDoesNotReceiveEarlierRoomMessages() {
        TestClient early = ts.streamingClient();
        TestClient late = ts.streamingClient();
        early.emit("join", "r");
        ts.server().to("r").emit("m", 1).toCompletableFuture().join();

        late.emit("join", "r");
        ts.server().to("r").emit("m", 2).toCompletableFuture().join();

        assertThat(late.assertEvent("m").data().asInt()).isEqualTo(2);
        fence(ts, late);
    }

    @Test
    void framesCarryTheSendersPublicIdAndNeverItsCredential() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        TestClient poller = ts.connectedClient();
        for (TestClient c : new TestClient[] {alice, bob, poller}) {
            c.emit("join", "r");
        }

        alice.emit("say", Map.of("room", "r", "text", "one"));
        alice.emit("tell", Map.of("room", "r", "text", "two"));
        alice.emit("shout", "three");
        socketOf(alice).to("r").emit("four", null);

        assertThat(bob.assertEvent("said").sessionId()).isEqualTo(alice.id());
        assertThat(bob.assertEvent("told").sessionId()).isEqualTo(alice.id());
        assertThat(bob.assertEvent("shouted").sessionId()).isEqualTo(alice.id());
        assertThat(bob.assertEvent("four").sessionId()).isEqualTo(alice.id());
        assertThat(poller.poll(-1, 5000).messages()).isNotEmpty();
        String secret = alice.credential().substring(alice.credential().indexOf('.') + 1);
        for (TestClient other : new TestClient[] {bob, poller}) {
            assertThat(other.receivedText())
                    .contains(alice.id())
                    .doesNotContain(alice.credential())
                    .doesNotContain(secret);
        }
    }

    @Test
    void joiningPastTheRoomLimitIs422RoomLimit() {
        try (TestServer limited = TestServer.start(o -> o.maxRoomsPerSocket(2))) {
            limited.server().on("join", (s, d, a) -> s.join(d.asText()));
            TestClient c = limited.connectedClient();
            c.emit("join", "a");
            c.emit("join", "b");

            io.socketserve.netty.testing.HttpResult r = c.emit("join", "c");

            assertThat(r.status()).isEqualTo(422);
            assertThat(r.error()).isEqualTo("room_limit");
            assertThat(limited.server().socketRooms(c.id())).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void invalidRoomNameIsRejected() {
        TestClient c = ts.connectedClient();

        io.socketserve.netty.testing.HttpResult r = c.emit("join", "bad\u0001room");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_room");
    }

    @Test
    void volatileEmitReachesAttachedMembersButIsNotReplayed() {
        TestClient attached = ts.streamingClient();
        TestClient detached = ts.connectedClient();
        attached.emit("join", "r");
        detached.emit("join", "r");
        // A join reaches the dispatcher through the log, a volatile emit straight away: wait until
        // the attached member's join has been applied (a message appended after it has arrived).
        ts.server().to(attached.id()).emit("joined", null).toCompletableFuture().join();
        attached.assertEvent("joined");

        ts.server().to("r").volatileEmit("cursor", 1).toCompletableFuture().join();
        ts.server().to("r").emit("kept", 2).toCompletableFuture().join();

        attached.assertEvent("cursor");
        attached.assertEvent("kept");
        detached.openStream();
        detached.assertEvent("kept");
        fence(ts, attached, detached);
    }
}
