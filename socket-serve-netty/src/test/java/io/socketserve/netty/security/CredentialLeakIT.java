package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.SocketServeException;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.StalledStream;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The credential's secret goes to its own client and nowhere else: not into frames or poll answers
 * other clients receive, not into any log line — even when requests fail, handlers throw, streams
 * are cut off and the credential travels in the URL.
 */
class CredentialLeakIT {

    private final TestServer ts = TestServer.start(o -> o.maxStreamBufferBytes(16 * 1024));
    private final List<TestClient> everyone = new ArrayList<>();

    CredentialLeakIT() {
        ts.server().on("join", (socket, data, ack) -> {
            socket.join(data.asText());
            socket.broadcastToRoom(
                    data.asText(), "userJoined", Map.of("id", socket.id(), "attrs", socket.attributes()));
            ack.send(socket.rooms());
        });
        ts.server().on("say", (socket, data, ack) -> {
            socket.broadcastToRoom("r", "said", data);
            socket.to("r").emit("toOthers", data);
            socket.broadcast().emit("toAll", data);
            ack.send("ok");
        });
        ts.server().on("boom", (socket, data, ack) -> {
            throw new io.socketserve.testing.ExpectedFailure("handler blew up for " + socket.id());
        });
        ts.server().on("reject", (socket, data, ack) -> {
            throw new SocketServeException("nope", "rejected", 403);
        });
        ts.server().on("big", (socket, data, ack) -> {
            for (int i = 0; i < 50; i++) {
                socket.emit("bulk", "x".repeat(4096));
            }
        });
        ts.server().onConnection(socket -> socket.emit("welcome", Map.of("id", socket.id())));
        ts.server().onDisconnect((socket, reason) -> {
            for (String room : socket.rooms()) {
                socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()));
            }
        });
    }

    private boolean closed;

    @AfterEach
    void stop() {
        if (!closed) {
            ts.close();
        }
    }

    private TestClient streaming() {
        TestClient c = ts.streamingClient();
        everyone.add(c);
        return c;
    }

    private static String secretOf(TestClient c) {
        return c.credential().substring(c.credential().indexOf('.') + 1);
    }

    /** Sessions talking to each other in every way the API offers, with failures along the way. */
    private void busyRoom() throws Exception {
        TestClient alice = streaming();
        TestClient bob = streaming();
        TestClient carol = ts.connectedClient(); // polls instead of streaming
        everyone.add(carol);
        TestClient dave = streaming().useHeaderCredential();
        for (TestClient c : everyone) {
            assertThat(c.emit("join", "r").status()).isEqualTo(200);
        }
        alice.emitWithAck("say", "hello", true);
        bob.emitWithAck("say", "hi", false);
        dave.emit("say", "hey");
        assertThat(alice.emit("boom", null).status()).isEqualTo(500);
        assertThat(bob.emitWithAck("boom", null, false).response().status()).isEqualTo(500);
        assertThat(dave.emit("reject", null).status()).isEqualTo(403);
        ts.server().socket(bob.id()).orElseThrow().emitWithAck("question", 1, Duration.ofMillis(200));
        ts.server()
                .socket(alice.id())
                .orElseThrow()
                .emitWithAck("question", 2, Duration.ofSeconds(5))
                .toCompletableFuture();
        ReceivedFrame q = alice.awaitEvent("question");
        alice.answerAck(q.messageId(), "answer");
        ts.server().in("r").socketsJoin("announcements");
        ts.server().to("announcements").emit("news", "n");
        // Failures with credentials in them: forged, unknown, malformed, on every endpoint.
        TestClient forger = ts.track(alice.withCredential(alice.id() + "." + secretOf(bob)));
        forger.emit("say", "x");
        forger.tryOpenStream(Map.of(), Map.of());
        forger.poll();
        TestClient malformed = ts.track(alice.withCredential(alice.credential() + "x"));
        malformed.emit("say", "x");
        malformed.tryOpenStream(Map.of(), Map.of());
        // A stream cut off for not reading (its credential is in the URL).
        TestClient slow = ts.connectedClient();
        everyone.add(slow);
        try (StalledStream stalled = slow.openStalledStream(2048, Map.of())) {
            slow.emit("big", null);
            assertThat(stalled.drain(Duration.ofSeconds(10)).closedByServer()).isTrue();
        }
        // A resume, a poll, and the ends of sessions.
        alice.closeStream();
        alice.frames().clear();
        alice.openStream(alice.lastEventId());
        carol.poll();
        assertThat(bob.disconnect().status()).isEqualTo(200);
        ts.server().socket(dave.id()).orElseThrow().disconnect();
        alice.awaitEvent("userLeft");
        carol.poll();
    }

    @Test
    void noClientEverReceivesAnotherSessionsCredential() throws Exception {
        busyRoom();

        for (TestClient owner : everyone) {
            for (TestClient other : everyone) {
                if (other != owner) {
                    assertThat(other.receivedText())
                            .as("what %s received", other.id())
                            .doesNotContain(secretOf(owner))
                            .doesNotContain(owner.credential());
                }
            }
        }
        // And the frames do name the senders, by public id.
        assertThat(everyone.get(2).receivedText()).contains(everyone.get(0).id());
    }

    @Test
    void handlersCannotSeeTheCredentialThroughTheSocket() {
        List<String> seen = new ArrayList<>();
        ts.server().on("inspect", (socket, data, ack) -> {
            seen.add(socket.id());
            seen.add(socket.toString());
            seen.add(String.valueOf(socket.attributes()));
            ack.send(socket.id());
        });
        TestClient c = streaming();

        c.emitWithAck("inspect", null, true);

        assertThat(seen).isNotEmpty().allSatisfy(s -> assertThat(s).doesNotContain(secretOf(c)));
    }

    @Test
    void noLogLineContainsACredentialSecret() throws Exception {
        List<String> lines;
        try (LogCapture logs = LogCapture.capture(ts.transport().containerLoggers())) {
            busyRoom();
            closed = true;
            ts.close(); // shutdown logs too
            lines = logs.lines();
        }

        assertThat(lines).as("the scenario logged something").isNotEmpty();
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("handler blew up"));
        for (TestClient c : everyone) {
            assertThat(lines).as("log lines").noneSatisfy(l -> assertThat(l).contains(secretOf(c)));
        }
    }

    @Test
    void credentialNextToAMalformedQueryIsNeverLogged() {
        TestClient c = streaming();
        String q = "?sessionId=" + c.credential() + "&x=%zz";
        List<String> lines;
        try (LogCapture logs = LogCapture.capture(ts.transport().containerLoggers())) {
            c.raw(
                    "POST",
                    "/socket/message" + q,
                    Map.of("Content-Type", "application/json"),
                    "{\"event\":\"e\"}".getBytes(StandardCharsets.UTF_8));
            RawExchange.send(
                    ts.address(),
                    ("GET /socket/sse" + q + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    Duration.ofSeconds(5));
            lines = logs.lines();
        }

        assertThat(lines).noneSatisfy(l -> assertThat(l).contains(secretOf(c)));
    }
}
