package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances over one backend (an in-memory backend shared in this JVM stands in for Redis):
 * any request may land on either instance.
 */
class MultiInstanceIT {

    private final InMemoryBackend backend = new InMemoryBackend();
    private final ServerOptions options =
            ServerOptions.builder().backend(backend).build();
    private final TestServer a = TestServer.start(options);
    private final TestServer b = TestServer.start(options);
    private final AtomicInteger disconnects = new AtomicInteger();

    MultiInstanceIT() {
        for (TestServer ts : List.of(a, b)) {
            SocketServer s = ts.server();
            s.on("join", (socket, d, ack) -> socket.join(d.asText()));
            s.on("say", (socket, d, ack) -> socket.broadcastToRoom("r", "said", d));
            s.on("echo", (socket, d, ack) -> socket.emit("echoed", d));
            s.onDisconnect((socket, reason) -> disconnects.incrementAndGet());
        }
    }

    @AfterEach
    void stop() {
        b.close();
        a.close();
    }

    @Test
    void sessionCreatedOnOneInstanceStreamsFromTheOther() {
        TestClient onA = a.connectedClient();
        TestClient onB = b.track(onA.via(b.base()));
        onB.openStream();

        onA.emit("echo", "hop");

        assertThat(onB.assertEvent("echoed").data().asText()).isEqualTo("hop");
    }

    @Test
    void roomBroadcastReachesMembersOnBothInstances() {
        TestClient alice = a.streamingClient();
        TestClient bob = b.streamingClient();
        alice.emit("join", "r");
        bob.via(a.base()).emit("join", "r"); // bob's join lands on the other instance

        alice.emit("say", "hi");

        assertThat(alice.assertEvent("said").sessionId()).isEqualTo(alice.id());
        assertThat(bob.assertEvent("said").sessionId()).isEqualTo(alice.id());
        assertThat(a.server().roomMembers("r")).containsExactlyInAnyOrder(alice.id(), bob.id());
        assertThat(b.server().roomMembers("r")).containsExactlyInAnyOrder(alice.id(), bob.id());
    }

    @Test
    void streamDroppedOnOneInstanceResumesOnTheOtherWithoutLoss() {
        TestClient onA = a.streamingClient();
        var socket = a.server().socket(onA.id()).orElseThrow();
        for (int i = 0; i < 5; i++) {
            socket.emit("n", i).toCompletableFuture().join();
        }
        List<ReceivedFrame> got = new ArrayList<>(onA.awaitEvents("n", 5));
        onA.closeStream();
        for (int i = 5; i < 10; i++) {
            socket.emit("n", i).toCompletableFuture().join();
        }

        TestClient onB = b.track(onA.via(b.base()));
        onB.openStream(onA.lastEventId());
        got.addAll(onB.awaitEvents("n", 5));

        assertThat(got).extracting(f -> f.data().asInt()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void ackAnsweredThroughTheOtherInstanceResolvesWhereItWasAsked() throws Exception {
        TestClient onA = a.streamingClient();
        CompletableFuture<JsonNode> answer = a.server()
                .socket(onA.id())
                .orElseThrow()
                .emitWithAck("question", null, Duration.ofSeconds(5))
                .toCompletableFuture();
        String messageId = onA.awaitEvent("question").messageId();

        onA.via(b.base()).answerAck(messageId, "from b");

        assertThat(answer.get(5, TimeUnit.SECONDS).asText()).isEqualTo("from b");
    }

    @Test
    void disconnectThroughTheOtherInstanceEndsTheStreamAndFiresTheHandlerOnce() {
        TestClient onA = a.streamingClient();
        onA.emit("join", "r");

        onA.via(b.base()).disconnect();

        assertThat(onA.assertEvent("__disconnect").data().path("reason").asText())
                .isEqualTo("client namespace disconnect");
        await().atMost(Duration.ofSeconds(5)).until(() -> disconnects.get() >= 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> disconnects.get() == 1);
        assertThat(b.server().roomMembers("r")).isEmpty();
    }

    @Test
    void pollOnEitherInstanceContinuesTheSameCursor() {
        TestClient onA = a.connectedClient();
        TestClient onB = onA.via(b.base());
        var socket = a.server().socket(onA.id()).orElseThrow();
        socket.emit("n", 1).toCompletableFuture().join();
        assertThat(onA.poll(-1, 5000).messages())
                .extracting(f -> f.data().asInt())
                .containsExactly(1);

        socket.emit("n", 2).toCompletableFuture().join();

        assertThat(onB.poll(-1, 5000).messages())
                .extracting(f -> f.data().asInt())
                .containsExactly(2);
        assertThat(a.server().socket(onA.id())).isPresent();
    }
}
