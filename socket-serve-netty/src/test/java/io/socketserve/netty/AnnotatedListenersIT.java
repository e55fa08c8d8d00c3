package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.OnEvent;
import io.socketserve.SocketServeException;
import io.socketserve.netty.docs.ChatListener;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.register(listener)} over real HTTP, with the {@code docs/api.md} example {@link
 * ChatListener}: typed payloads, return values as ack answers, connect and disconnect methods, and a
 * payload that does not bind.
 */
class AnnotatedListenersIT {

    private final TestServer ts = TestServer.start();

    AnnotatedListenersIT() {
        ts.server().register(new ChatListener()).register(new Object() {
            @OnEvent("reject")
            void reject() {
                throw new SocketServeException("not_allowed", "no entry", 403);
            }
        });
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void onConnectMethodRunsForEachNewSession() {
        TestClient alice = ts.streamingClient();

        ReceivedFrame welcome = alice.assertEvent("welcome");

        assertThat(welcome.data().path("id").asText()).isEqualTo(alice.id());
        assertThat(ts.server().roomMembers("lobby")).containsExactly(alice.id());
    }

    @Test
    void typedPayloadReachesTheMethod() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        bob.awaitEvent("welcome");

        HttpResult r = alice.emit("say", Map.of("room", "lobby", "text", "hi"));

        assertThat(r.status()).isEqualTo(200);
        ReceivedFrame said = bob.awaitEvent("said");
        assertThat(said.data().path("from").asText()).isEqualTo(alice.id());
        assertThat(said.data().path("text").asText()).isEqualTo("hi");
    }

    @Test
    void returnValueAnswersTheAckInTheResponse() {
        TestClient alice = ts.streamingClient();

        TestClient.Emitted e = alice.emitWithAck("join", "general", true);

        assertThat(e.response().status()).isEqualTo(200);
        assertThat(strings(e.response().json().path("ack"))).containsExactlyInAnyOrder("lobby", "general");
    }

    @Test
    void returnValueAnswersTheAckAsAFrame() {
        TestClient alice = ts.streamingClient();

        TestClient.Emitted e = alice.emitWithAck("join", "general");

        assertThat(e.response().status()).isEqualTo(200);
        assertThat(strings(alice.awaitAck(e.messageId()).data())).containsExactlyInAnyOrder("lobby", "general");
    }

    @Test
    void returnValueIsDroppedWhenTheClientAskedForNoAck() {
        TestClient alice = ts.streamingClient();
        alice.assertEvent("welcome");

        HttpResult r = alice.emit("join", "general");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().has("ack")).isFalse();
        alice.emit("say", Map.of("room", "general", "text", "fence"));
        alice.assertEvent("said"); // an __ack frame, had there been one, would come before the fence
        alice.assertExhausted();
    }

    @Test
    void onDisconnectMethodRunsWithTheReason() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        alice.awaitEvent("welcome");

        bob.disconnect();

        ReceivedFrame left = alice.awaitEvent("left");
        assertThat(left.data().path("id").asText()).isEqualTo(bob.id());
        assertThat(left.data().path("reason").asText()).isEqualTo("client namespace disconnect");
    }

    @Test
    void payloadThatDoesNotBindIsA400JsonAndTheMethodIsNotCalled() {
        TestClient alice = ts.streamingClient();
        alice.assertEvent("welcome");

        HttpResult r = alice.emit("say", Map.of("room", List.of("not", "a", "string")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.error()).isEqualTo("invalid_payload");
        assertThat(r.message()).contains("Say");
        alice.emit("say", Map.of("room", "lobby", "text", "fence"));
        assertThat(alice.assertEvent("said").data().path("text").asText()).isEqualTo("fence");
        alice.assertExhausted();
    }

    @Test
    void exceptionFromTheMethodReachesTheClientAsThrown() {
        TestClient alice = ts.connectedClient();

        HttpResult r = alice.emit("reject", null);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isEqualTo("not_allowed");
        assertThat(r.message()).isEqualTo("no entry");
    }
}
