package io.socketserve.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The sample application on real Tomcat: the demo's chat events, its pages, the client, health. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleChatIT {

    @LocalServerPort
    int port;

    @Autowired
    SocketServer server;

    private final List<TestClient> clients = new ArrayList<>();

    private TestClient client(Object auth) {
        TestClient c = new TestClient(URI.create("http://127.0.0.1:" + port + "/socket"));
        clients.add(c);
        assertThat(c.connect(auth).status()).isEqualTo(200);
        c.openStream();
        return c;
    }

    @AfterEach
    void close() {
        clients.forEach(TestClient::close);
    }

    @Test
    void backendIsInMemoryByDefault() {
        assertThat(server.options().basePath()).isEqualTo("/socket");
        assertThat(ChatSampleApplication.defaults(Map.of())).containsEntry("socketserve.backend", "memory");
        assertThat(ChatSampleApplication.defaults(Map.of("SOCKETSERVE_REDIS_URL", "redis://r:6379")))
                .containsEntry("socketserve.backend", "redis");
    }

    @Test
    void joinMessageLeaveAsInTheDemo() {
        TestClient alice = client(Map.of("auth", Map.of("name", "alice")));
        TestClient bob = client(Map.of("auth", Map.of("name", "bob")));

        TestClient.Emitted aliceJoin = alice.emitWithAck("joinChannel", Map.of("channelName", "general"));
        assertThat(alice.awaitEvent("userJoined").data().get("username").asText())
                .isEqualTo(alice.id());
        assertThat(alice.awaitEvent("history").data().get("channel").asText()).isEqualTo("general");
        JsonNode ack = alice.awaitAck(aliceJoin.messageId()).data();
        assertThat(ack.get("members")).extracting(JsonNode::asText).containsExactly(alice.id());
        assertThat(ack.get("presence").get(0).get("state").get("name").asText()).isEqualTo("alice");

        bob.emitWithAck("joinChannel", Map.of("channelName", "general", "username", "bob"));
        alice.await(
                f -> f.event().equals("userJoined")
                        && f.data().get("username").asText().equals(bob.id()),
                "bob's userJoined at alice");

        TestClient.Emitted sent = alice.emitWithAck("sendMessage", Map.of("channel", "general", "message", "hi bob"));
        assertThat(alice.awaitAck(sent.messageId()).data().get("ok").asBoolean())
                .isTrue();
        ReceivedFrame message = bob.awaitEvent("newMessage");
        assertThat(message.data().get("from").asText()).isEqualTo(alice.id());
        assertThat(message.data().get("name").asText()).isEqualTo("alice");
        assertThat(message.data().get("text").asText()).isEqualTo("hi bob");
        assertThat(message.data().get("timestamp").isNumber()).isTrue();
        assertThat(message.data().get("id").asText()).isNotEmpty();
        assertThat(message.sessionId()).isEqualTo(alice.id());

        TestClient.Emitted names = bob.emitWithAck("names", Map.of("ids", List.of(alice.id(), "nobody")));
        assertThat(bob.awaitAck(names.messageId())
                        .data()
                        .get("names")
                        .get(alice.id())
                        .asText())
                .isEqualTo("alice");

        bob.emit("leaveChannel", Map.of("channelName", "general"));
        assertThat(alice.awaitEvent("userLeft").data().get("username").asText()).isEqualTo(bob.id());
        assertThat(server.roomMembers("channel:general")).containsExactly(alice.id());
    }

    @Test
    void laterJoinerGetsTheHistory() {
        TestClient alice = client(Map.of());
        alice.emitWithAck("joinChannel", Map.of("channelName", "past"));
        alice.awaitEvent("history");
        TestClient.Emitted sent = alice.emitWithAck("sendMessage", Map.of("channel", "past", "message", "earlier"));
        alice.awaitAck(sent.messageId());

        TestClient carol = client(Map.of());
        carol.emit("joinChannel", Map.of("channelName", "past"));

        JsonNode history = carol.awaitEvent("history").data();
        assertThat(history.get("messages"))
                .extracting(m -> m.get("text").asText())
                .containsExactly("earlier");
    }

    @Test
    void disconnectTellsTheChannel() {
        TestClient alice = client(Map.of());
        TestClient bob = client(Map.of());
        alice.emitWithAck("joinChannel", Map.of("channelName", "bye"));
        alice.awaitEvent("history");
        bob.emitWithAck("joinChannel", Map.of("channelName", "bye"));
        bob.awaitEvent("history");

        bob.disconnect();

        assertThat(alice.await(f -> f.event().equals("userLeft") && f.data().has("userId"), "userLeft {userId}")
                        .data()
                        .get("userId")
                        .asText())
                .isEqualTo(bob.id());
    }

    @Test
    void missingFieldIs400AndBadStatusToo() {
        TestClient alice = client(Map.of());

        HttpResult missing = alice.emit("sendMessage", Map.of("message", "where to?"));
        HttpResult status = alice.emit("setStatus", Map.of("channelName", "x", "status", "asleep"));

        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.error()).isEqualTo("invalid_payload");
        assertThat(status.status()).isEqualTo(400);
    }

    @Test
    void pagesClientAndHealthAreServed() throws Exception {
        assertThat(get("/")).contains("/chat.html");
        assertThat(get("/chat.html")).contains("import { connect } from '/socket-serve.js'");
        assertThat(get("/demo.js")).contains("export class Names");
        assertThat(get("/socket-serve.js")).contains("export function connect");
        assertThat(get("/actuator/health")).contains("\"socketServe\"").contains("\"UP\"");
    }

    private String get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }
}
