package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.RoomMessage;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Room history ({@code Namespace#history}) through the engine: clients connect, join and send
 * through the transport-facing endpoint; the history is read back from the log.
 */
class HistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private SocketServer server;
    private SocketEndpoint endpoint;

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
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(
                        data.path("room").asText(),
                        "said",
                        Map.of("text", data.path("text").asText())));
        server.on("others", (socket, data, ack) -> socket.to(data.path("room").asText())
                .emit("said", Map.of("text", data.path("text").asText())));
        server.on("ping", (socket, data, ack) -> socket.emit("said", Map.of("text", "to-me")));
        // what a chat does on join: the channel's last messages to the joiner
        server.on("enter", (socket, data, ack) -> {
            String room = data.path("room").asText();
            socket.join(room);
            List<JsonNode> last = new ArrayList<>();
            server.history(room, data.path("limit").asInt(), "said")
                    .toCompletableFuture()
                    .join()
                    .forEach(m -> last.add(m.data()));
            socket.emit("history", Map.of("messages", last));
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Client(String credential, String id) {}

    private Client connect() throws Exception {
        JsonNode body = JSON.readTree(call(Requests.post("/connect", "")).body());
        return new Client(body.get("sessionId").asText(), body.get("id").asText());
    }

    private TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private void emit(Client c, String event, String data) throws Exception {
        TransportResponse r = call(Requests.post(
                "/message",
                "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data + "}"));
        assertThat(r.status()).as("status of %s", event).isEqualTo(200);
    }

    private void say(Client c, String room, String text) throws Exception {
        emit(c, "say", "{\"room\":\"" + room + "\",\"text\":\"" + text + "\"}");
    }

    private RecordingSink open(Client c) throws Exception {
        RecordingSink sink = new RecordingSink();
        TransportResponse error = endpoint.openStream(Requests.get("/sse").query("sessionId", c.credential()), sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(error).as("stream opened").isNull();
        sink.assertEvent("connected");
        return sink;
    }

    private List<RoomMessage> history(String room, int limit, String... events) {
        return server.history(room, limit, events).toCompletableFuture().join();
    }

    private static List<String> texts(List<RoomMessage> messages) {
        List<String> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.data().path("text").asText()));
        return out;
    }

    @Test
    void historyIsTheRoomsLastMessagesOldestFirstAtThePositionsItsMembersSaw() throws Exception {
        Client a = connect();
        Client b = connect();
        RecordingSink sa = open(a);
        emit(a, "join", "{\"room\":\"r\"}");
        emit(b, "join", "{\"room\":\"r\"}");
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            say(b, "r", "m" + i);
            seen.add(sa.assertEvent("said").position());
        }

        List<RoomMessage> last = history("r", 3);
        assertThat(texts(last)).containsExactly("m2", "m3", "m4");
        assertThat(last).extracting(RoomMessage::position).containsExactlyElementsOf(seen.subList(2, 5));
        assertThat(last).extracting(RoomMessage::event).containsOnly("said");
        assertThat(last).extracting(RoomMessage::sessionId).containsOnly(b.id());
        assertThat(last.get(0).timestamp()).isPositive();
    }

    @Test
    void whenTheRoomHasFewerMessagesThanAskedAllOfThemAreReturned() throws Exception {
        Client a = connect();
        emit(a, "join", "{\"room\":\"r\"}");
        say(a, "r", "only one");
        assertThat(texts(history("r", 50))).containsExactly("only one");
        assertThat(history("never-used", 50)).isEmpty();
    }

    @Test
    void onlyNonVolatileMessagesAddressedToTheRoomWithoutExceptedRoomsCount() throws Exception {
        Client a = connect();
        emit(a, "join", "{\"room\":\"r\"}");
        say(a, "r", "broadcastToRoom");
        emit(a, "others", "{\"room\":\"r\",\"text\":\"socket.to\"}");
        server.to("r", "s")
                .emit("said", Map.of("text", "two rooms"))
                .toCompletableFuture()
                .join();
        server.to("s")
                .emit("said", Map.of("text", "other room"))
                .toCompletableFuture()
                .join();
        server.emit("said", Map.of("text", "everybody")).toCompletableFuture().join();
        emit(a, "ping", "0"); // to one socket
        server.to("r")
                .volatileEmit("said", Map.of("text", "volatile"))
                .toCompletableFuture()
                .join();
        server.to("r")
                .except("spectators")
                .emit("said", Map.of("text", "except"))
                .toCompletableFuture()
                .join();
        server.of("/chat")
                .to("r")
                .emit("said", Map.of("text", "other namespace"))
                .toCompletableFuture()
                .join();
        server.to("r")
                .emit("said", Map.of("text", "server"))
                .toCompletableFuture()
                .join();

        List<RoomMessage> last = history("r", 50);
        assertThat(texts(last)).containsExactly("broadcastToRoom", "socket.to", "two rooms", "server");
        assertThat(last.get(3).sessionId()).isNull();
        assertThat(texts(history("s", 50))).containsExactly("two rooms", "other room");
        assertThat(texts(server.of("/chat")
                        .history("r", 50)
                        .toCompletableFuture()
                        .join()))
                .containsExactly("other namespace");
    }

    @Test
    void historyCanBeLimitedToSomeEvents() throws Exception {
        server.to("r").emit("said", Map.of("text", "a")).toCompletableFuture().join();
        server.to("r").emit("typing", Map.of("text", "t")).toCompletableFuture().join();
        server.to("r").emit("said", Map.of("text", "b")).toCompletableFuture().join();
        server.to("r").emit("joined", Map.of("text", "j")).toCompletableFuture().join();

        assertThat(texts(history("r", 50, "said"))).containsExactly("a", "b");
        assertThat(texts(history("r", 1, "said"))).containsExactly("b");
        assertThat(texts(history("r", 50, "said", "joined"))).containsExactly("a", "b", "j");
        assertThat(texts(history("r", 50))).containsExactly("a", "t", "b", "j");
        assertThat(history("r", 50).get(2).data().path("text").asText()).isEqualTo("b");
    }

    @Test
    void historyHoldsOnlyWhatTheLogStillKeeps() throws Exception {
        startWith(ServerOptions.builder().recoveryMaxMessages(10).build());
        for (int i = 0; i < 30; i++) {
            server.to("r")
                    .emit("said", Map.of("text", "m" + i))
                    .toCompletableFuture()
                    .join();
        }
        List<String> texts = texts(history("r", 50));
        assertThat(texts).hasSizeBetween(1, 10).endsWith("m29");
        List<String> sent = new ArrayList<>();
        for (int i = 30 - texts.size(); i < 30; i++) {
            sent.add("m" + i);
        }
        assertThat(texts).containsExactlyElementsOf(sent);
    }

    @Test
    void messagesOlderThanTheRecoveryWindowByAgeAreNotReturned() throws Exception {
        startWith(ServerOptions.builder().recoveryMaxAge(Duration.ofMillis(300)).build());
        server.to("r").emit("said", Map.of("text", "old")).toCompletableFuture().join();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> history("r", 50)
                .isEmpty());
        server.to("r").emit("said", Map.of("text", "new")).toCompletableFuture().join();
        assertThat(texts(history("r", 50))).containsExactly("new");
    }

    @Test
    void aLateJoinerIsSentTheMessagesBeforeItJoinedAfterItsOwnJoin() throws Exception {
        Client a = connect();
        emit(a, "join", "{\"room\":\"r\"}");
        for (int i = 0; i < 4; i++) {
            say(a, "r", "m" + i);
        }
        Client late = connect();
        RecordingSink s = open(late);
        emit(late, "enter", "{\"room\":\"r\",\"limit\":3}");
        JsonNode messages = s.assertEvent("history").json().path("data").path("messages");
        assertThat(messages).extracting(m -> m.path("text").asText()).containsExactly("m1", "m2", "m3");
        say(a, "r", "live");
        assertThat(s.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("live");
    }

    @Test
    void theLimitMustBeBetweenOneAndTheMaximum() {
        assertThatThrownBy(() -> server.history("r", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.history("r", 1_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.history("", 10))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("room name");
    }

    // ------------------------------------------------------- History alone, on a backend of its own

    private static byte[] roomMessage(String room, String text) {
        return EntryCodec.encode(new LogEntry.Message(
                System.currentTimeMillis(),
                "/",
                LogEntry.TargetType.ROOMS,
                List.of(room),
                List.of(),
                List.of(),
                false,
                Frames.message("said", ("{\"text\":\"" + text + "\"}").getBytes(), 1L, null, null)));
    }

    @Test
    void theWalkStopsAfterScanningItsBound() {
        InMemoryBackend backend = new InMemoryBackend();
        backend.start(10_000).toCompletableFuture().join();
        backend.append(roomMessage("quiet", "long ago")).toCompletableFuture().join();
        for (int i = 0; i < 600; i++) {
            backend.append(roomMessage("busy", "b" + i)).toCompletableFuture().join();
        }
        ObjectMapper mapper = new ObjectMapper();
        History bounded = new History(backend, mapper, Runnable::run, 600, 60_000, 5_000);
        History enough = new History(backend, mapper, Runnable::run, 601, 60_000, 5_000);

        assertThat(bounded.read("quiet", 10, Set.of()).toCompletableFuture().join())
                .isEmpty();
        assertThat(enough.read("quiet", 10, Set.of()).toCompletableFuture().join())
                .extracting(m -> m.data().path("text").asText())
                .containsExactly("long ago");
        assertThat(bounded.read("busy", 3, Set.of()).toCompletableFuture().join())
                .extracting(m -> m.data().path("text").asText())
                .containsExactly("b597", "b598", "b599");
    }

    @Test
    void anUnavailableBackendFailsTheCallWithUnavailable() {
        Backend down = (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class},
                (proxy, method, args) -> method.getName().equals("partitions")
                        ? (Object) 1 // a plain int answer, not a stage
                        : CompletableFuture.failedFuture(new BackendUnavailableException("down")));
        History history = new History(down, new ObjectMapper(), Runnable::run, 1_000, 60_000, 5_000);
        CompletionStage<List<RoomMessage>> stage = history.read("r", 10, Set.of());
        assertThatThrownBy(() -> stage.toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(SocketServeException.class)
                .hasMessage("room history could not be read") // for the client: no backend detail
                .cause()
                .hasMessage("down"); // the cause keeps it, for the log
    }
}
