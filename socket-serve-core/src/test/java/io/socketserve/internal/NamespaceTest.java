package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.transport.TransportResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Namespaces: separate handlers, middleware and rooms, chosen at connect time and fixed. */
class NamespaceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private SocketServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = SocketServer.create();
        server.on("where", (socket, data, ack) -> ack.send("root:" + socket.namespace()));
        server.on("join", (socket, data, ack) -> socket.join(data.asText()));
        server.on("say", (socket, data, ack) -> socket.broadcastToRoom("lobby", "said", "root"));
        server.of("/chat")
                .on("where", (socket, data, ack) -> ack.send("chat:" + socket.namespace()))
                .on("join", (socket, data, ack) -> socket.join(data.asText()))
                .on("say", (socket, data, ack) -> socket.broadcastToRoom("lobby", "said", "chat"));
        server.of(name -> name.matches("/game-\\d+"))
                .onConnection(socket -> calls.add("connected " + socket.namespace()))
                .on("where", (socket, data, ack) -> ack.send("game:" + socket.namespace()))
                .on("join", (socket, data, ack) -> socket.join(data.asText()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Client(String credential, String id) {}

    private TransportResponse call(Requests r) throws Exception {
        return io.socketserve.transport.SocketEndpoint.of(server)
                .handle(r)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    private Client connect(String namespace) throws Exception {
        TransportResponse r = call(Requests.post("/connect", "{\"namespace\":\"" + namespace + "\"}"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(r.status()).as("%s", body).isEqualTo(200);
        return new Client(body.get("sessionId").asText(), body.get("id").asText());
    }

    private JsonNode send(Client c, String event, String data) throws Exception {
        TransportResponse r = call(Requests.post(
                "/message",
                "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data
                        + ",\"messageId\":\"m\",\"requiresAck\":true,\"ackInResponse\":true}"));
        return JSON.readTree(r.body());
    }

    private RecordingSink open(Client c) throws Exception {
        RecordingSink sink = new RecordingSink();
        assertThat(io.socketserve.transport.SocketEndpoint.of(server)
                        .openStream(Requests.get("/sse").query("sessionId", c.credential()), sink)
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS))
                .isNull();
        sink.assertEvent("connected");
        return sink;
    }

    @Test
    void eachNamespaceRunsItsOwnHandlers() throws Exception {
        assertThat(send(connect("/"), "where", "null").path("ack").asText()).isEqualTo("root:/");
        assertThat(send(connect("/chat"), "where", "null").path("ack").asText()).isEqualTo("chat:/chat");
    }

    @Test
    void roomsOfOneNamespaceAreInvisibleToAnother() throws Exception {
        Client root = connect("/");
        Client chat = connect("/chat");
        RecordingSink rootStream = open(root);
        RecordingSink chatStream = open(chat);
        send(root, "join", "\"lobby\"");
        send(chat, "join", "\"lobby\"");
        send(chat, "say", "null");
        send(root, "say", "null");

        assertThat(chatStream.assertEvent("said").json().path("data").asText()).isEqualTo("chat");
        assertThat(rootStream.assertEvent("said").json().path("data").asText()).isEqualTo("root");
        assertThat(server.roomMembers("lobby")).containsExactly(root.id());
        assertThat(server.of("/chat").roomMembers("lobby")).containsExactly(chat.id());
    }

    @Test
    void aClientCannotAskForAnUnknownNamespace() throws Exception {
        TransportResponse r = call(Requests.post("/connect", "{\"namespace\":\"/nope\"}"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("unknown_namespace");
        TransportResponse bad = call(Requests.post("/connect", "{\"namespace\":\"no-slash\"}"));
        assertThat(bad.status()).isEqualTo(400);
    }

    @Test
    void theNamespaceIsFixedForTheSession() throws Exception {
        Client chat = connect("/chat");
        TransportResponse r = call(
                Requests.post(
                        "/message",
                        "{\"sessionId\":\"" + chat.credential()
                                + "\",\"namespace\":\"/\",\"event\":\"where\",\"messageId\":\"m\",\"requiresAck\":true,\"ackInResponse\":true}"));
        assertThat(JSON.readTree(r.body()).path("ack").asText()).isEqualTo("chat:/chat");
    }

    @Test
    void dynamicNamespacesShareHandlersButNotRooms() throws Exception {
        Client g1 = connect("/game-1");
        Client g2 = connect("/game-2");
        assertThat(calls).containsExactly("connected /game-1", "connected /game-2");
        assertThat(send(g2, "where", "null").path("ack").asText()).isEqualTo("game:/game-2");
        RecordingSink s1 = open(g1);
        RecordingSink s2 = open(g2);
        send(g1, "join", "\"table\"");
        send(g2, "join", "\"table\"");
        server.of("/game-1").to("table").emit("tick", Map.of("game", 1));
        server.of("/game-2").to("table").emit("tick", Map.of("game", 2));
        assertThat(s1.assertEvent("tick").json().path("data").path("game").asInt())
                .isEqualTo(1);
        assertThat(s2.assertEvent("tick").json().path("data").path("game").asInt())
                .isEqualTo(2);
    }

    @Test
    void middlewareAppliesPerNamespace() throws Exception {
        server.of("/chat").use(handshake -> {
            throw new SocketServeException("unauthorized", "chat needs a login", 401);
        });
        assertThat(call(Requests.post("/connect", "{\"namespace\":\"/chat\"}")).status())
                .isEqualTo(401);
        assertThat(call(Requests.post("/connect", "")).status()).isEqualTo(200);
    }

    @Test
    void aDynamicParentHasNoRoomsOfItsOwn() {
        assertThatThrownBy(() -> server.of(name -> name.startsWith("/x")).to("r"))
                .isInstanceOf(IllegalStateException.class);
    }
}
