package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.internal.EndpointClient.Session;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine through its transport-facing endpoint, with recording sinks instead of sockets: live
 * delivery, membership as of each log position, replay on resume and the recovery window.
 */
class EngineTest {

    private SocketServer server;
    private SocketEndpoint endpoint;
    private EndpointClient calls;

    @BeforeEach
    void start() {
        startWith(ServerOptions.builder().build());
    }

    private void startWith(ServerOptions options) {
        if (server != null) {
            server.close();
        }
        server = SocketServer.create(options);
        endpoint = io.socketserve.transport.SocketEndpoint.of(server);
        calls = new EndpointClient(endpoint);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on("leave", (socket, data, ack) -> socket.leave(data.path("room").asText()));
        server.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(
                        data.path("room").asText(),
                        "said",
                        Map.of("text", data.path("text").asText())));
        server.on("others", (socket, data, ack) -> socket.to(data.path("room").asText())
                .emit("said", Map.of("text", data.path("text").asText())));
        server.on("ping", (socket, data, ack) -> socket.emit("pong", data));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Session connect() throws Exception {
        return calls.connect();
    }

    private TransportResponse call(Requests request) throws Exception {
        return calls.call(request);
    }

    private static JsonNode json(TransportResponse response, int status) throws Exception {
        return EndpointClient.json(response, status);
    }

    private JsonNode emit(Session c, String event, String data) throws Exception {
        return calls.emit(c, event, data);
    }

    private RecordingSink open(Session c, long lastEventId) throws Exception {
        return calls.open(c, lastEventId);
    }

    @Test
    void broadcastToRoomReachesEveryMemberIncludingTheSender() throws Exception {
        Session a = connect();
        Session b = connect();
        RecordingSink sa = open(a, -1);
        RecordingSink sb = open(b, -1);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        emit(a, "say", "{\"room\":\"r\",\"text\":\"hi\"}");

        RecordingSink.Received ra = sa.assertEvent("said");
        RecordingSink.Received rb = sb.assertEvent("said");
        assertThat(ra.position()).isEqualTo(rb.position()).isPositive();
        assertThat(rb.json().path("sessionId").asText()).isEqualTo(a.id());
        assertThat(rb.json().toString()).doesNotContain(a.credential());
    }

    @Test
    void toRoomExcludesTheSender() throws Exception {
        Session a = connect();
        Session b = connect();
        RecordingSink sa = open(a, -1);
        RecordingSink sb = open(b, -1);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        emit(a, "others", "{\"room\":\"r\",\"text\":\"x\"}");
        emit(a, "ping", "1");

        assertThat(sb.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("x");
        sa.assertEvent("pong"); // the sender got nothing before its own pong
    }

    @Test
    void lateJoinerDoesNotReceiveEarlierRoomMessages() throws Exception {
        Session a = connect();
        Session late = connect();
        RecordingSink sLate = open(late, -1);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(a, "say", "{\"room\":\"r\",\"text\":\"before\"}");
        emit(late, "join", "{\"room\":\"r\"}");
        emit(a, "say", "{\"room\":\"r\",\"text\":\"after\"}");

        assertThat(sLate.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("after");
    }

    @Test
    void emitsMadeBeforeTheFirstStreamAreDeliveredOnIt() throws Exception {
        server.onConnection(socket -> socket.emit("welcome", Map.of("id", socket.id())));
        Session a = connect();
        RecordingSink s = open(a, -1);
        assertThat(s.assertEvent("welcome").json().path("data").path("id").asText())
                .isEqualTo(a.id());
    }

    @Test
    void resumeReplaysExactlyTheMissedMessagesInOrder() throws Exception {
        Session a = connect();
        Session b = connect();
        RecordingSink first = open(a, -1);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        emit(b, "say", "{\"room\":\"r\",\"text\":\"0\"}");
        long last = first.assertEvent("said").position();
        first.drop();
        for (int i = 1; i <= 50; i++) {
            emit(b, "say", "{\"room\":\"r\",\"text\":\"" + i + "\"}");
        }

        RecordingSink second = open(a, last);
        long previous = last;
        for (int i = 1; i <= 50; i++) {
            RecordingSink.Received r = second.assertEvent("said");
            assertThat(r.json().path("data").path("text").asText()).isEqualTo(Integer.toString(i));
            assertThat(r.position()).isGreaterThan(previous);
            previous = r.position();
        }
        emit(a, "ping", "\"end\"");
        second.assertEvent("pong"); // nothing duplicated between the replay and live delivery
    }

    @Test
    void replayUsesTheMembershipThatHeldAtEachPosition() throws Exception {
        Session a = connect();
        Session b = connect();
        RecordingSink first = open(a, -1);
        emit(a, "ping", "0");
        long position = first.assertEvent("pong").position();
        first.drop();

        emit(b, "join", "{\"room\":\"x\"}");
        emit(b, "join", "{\"room\":\"y\"}");
        emit(a, "join", "{\"room\":\"x\"}");
        emit(b, "say", "{\"room\":\"x\",\"text\":\"in-x\"}");
        emit(a, "leave", "{\"room\":\"x\"}");
        emit(b, "say", "{\"room\":\"x\",\"text\":\"after-leave\"}");
        emit(b, "say", "{\"room\":\"y\",\"text\":\"never-joined\"}");
        emit(a, "join", "{\"room\":\"y\"}");
        emit(b, "say", "{\"room\":\"y\",\"text\":\"in-y\"}");

        RecordingSink second = open(a, position);
        assertThat(second.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("in-x");
        assertThat(second.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("in-y");
        emit(a, "ping", "1");
        second.assertEvent("pong");
        // and the live state after the replay is "in y only"
        emit(b, "say", "{\"room\":\"x\",\"text\":\"x-live\"}");
        emit(b, "say", "{\"room\":\"y\",\"text\":\"y-live\"}");
        assertThat(second.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("y-live");
    }

    @Test
    void pastTheRecoveryWindowTheClientIsToldItMissedMessages() throws Exception {
        startWith(ServerOptions.builder().recoveryMaxMessages(10).build());
        Session a = connect();
        Session b = connect();
        RecordingSink first = open(a, -1);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        emit(b, "say", "{\"room\":\"r\",\"text\":\"0\"}");
        long last = first.assertEvent("said").position();
        first.drop();
        for (int i = 1; i <= 30; i++) {
            emit(b, "say", "{\"room\":\"r\",\"text\":\"" + i + "\"}");
        }

        // The window is what this instance still holds when the stream opens: let its dispatcher
        // catch up with the log first (else the last messages would still be arriving live).
        DefaultSocketServer engine = (DefaultSocketServer) server;
        long head = engine.backend().head().toCompletableFuture().get();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> engine.dispatcher().processedPosition().single() >= head);
        RecordingSink second = open(a, last);
        JsonNode missed = second.assertEvent("__missed").json();
        assertThat(missed.path("data").path("after").asLong()).isEqualTo(last);
        List<Integer> texts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            texts.add(
                    second.assertEvent("said").json().path("data").path("text").asInt());
        }
        assertThat(texts).containsExactly(21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
    }

    @Test
    void aSecondStreamReplacesTheFirst() throws Exception {
        Session a = connect();
        RecordingSink first = open(a, -1);
        RecordingSink second = open(a, -1);
        JsonNode bye = first.assertEvent("__disconnect").json();
        assertThat(bye.path("data").path("reason").asText()).isEqualTo("replaced");
        emit(a, "ping", "2");
        second.assertEvent("pong");
    }

    @Test
    void pollReturnsEverythingSinceTheLastPollWithoutDuplicates() throws Exception {
        Session a = connect();
        Session b = connect();
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        emit(b, "say", "{\"room\":\"r\",\"text\":\"1\"}");
        JsonNode first = json(
                call(Requests.get("/sse").query("sessionId", a.credential()).query("transport", "polling")), 200);
        assertThat(first.path("messages")).hasSize(1);
        emit(b, "say", "{\"room\":\"r\",\"text\":\"2\"}");
        JsonNode second = json(
                call(Requests.get("/sse").query("sessionId", a.credential()).query("transport", "polling")), 200);
        assertThat(second.path("messages")).hasSize(1);
        assertThat(second.path("messages").get(0).path("data").path("text").asText())
                .isEqualTo("2");
    }

    @Test
    void unknownAndForgedCredentialsAreRejectedWithoutSideEffects() throws Exception {
        Session a = connect();
        String forged = a.id() + "." + "A".repeat(43);
        TransportResponse wrongSecret =
                call(Requests.post("/message", "{\"sessionId\":\"" + forged + "\",\"event\":\"ping\"}"));
        assertThat(json(wrongSecret, 403).path("error").asText()).isEqualTo("forbidden");
        TransportResponse publicId =
                call(Requests.post("/message", "{\"sessionId\":\"" + a.id() + "\",\"event\":\"ping\"}"));
        assertThat(json(publicId, 400).path("error").asText()).isEqualTo("invalid_session_id");
        TransportResponse unknown = call(Requests.post(
                "/message", "{\"sessionId\":\"" + "B".repeat(16) + "." + "C".repeat(43) + "\",\"event\":\"ping\"}"));
        assertThat(json(unknown, 404).path("error").asText()).isEqualTo("unknown_session");
        RecordingSink s = open(a, -1);
        emit(a, "ping", "3");
        assertThat(s.assertEvent("pong").json().path("data").asInt()).isEqualTo(3);
    }
}
