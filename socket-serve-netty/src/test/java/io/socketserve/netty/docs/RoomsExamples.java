package io.socketserve.netty.docs;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.Namespace;
import io.socketserve.RoomMessage;
import io.socketserve.ServerOptions;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The examples of {@code docs/rooms.md}, verbatim, so that the build compiles them ({@link
 * DocSnippetsTest} checks the guide against this folder). Compiled, not run.
 */
@SuppressWarnings("unused")
abstract class RoomsExamples {

    private static final Logger log = LoggerFactory.getLogger(RoomsExamples.class);

    record Game(String host, String status, List<String> players) {
        Game withPlayer(String id) {
            return this;
        }
    }

    interface Claims {
        String subject();
    }

    interface Jwt {
        Claims verify(String token);
    }

    Jwt jwt;

    abstract String verify(JsonNode auth);

    abstract Set<String> invited(String room);

    void server() {
        SocketServer server = SocketServer.create(ServerOptions.builder()
                .maxRoomsPerSocket(100) // ServerOptions.DEFAULT_MAX_ROOMS_PER_SOCKET
                .sessionTimeout(Duration.ofSeconds(60)) // detached clients are kept this long
                .build());
        server.onConnection(socket -> socket.emit("welcome", Map.of("id", socket.id())));
        server.on("chatMessage", (socket, data, ack) -> socket.broadcast().emit("chatMessage", data));
        server.onDisconnect((socket, reason) -> log.info("{} left: {}", socket.id(), reason));
        EmbeddedServer http = EmbeddedServer.builder(server)
                .port(8080)
                .staticResources("static")
                .start();
    }

    void typed(SocketServer server) {
        record SendMessage(String channel, String message) {}
        server.on(
                "sendMessage",
                SendMessage.class,
                (socket, msg, ack) -> socket.broadcastToRoom(
                        "channel:" + msg.channel(),
                        "newMessage",
                        Map.of("from", socket.id(), "text", msg.message(), "timestamp", System.currentTimeMillis())));
    }

    void joinLeave(SocketServer server) {
        server.on("joinChannel", (socket, data, ack) -> {
            String room = "channel:" + data.path("channelName").asText();
            socket.join(room); // blocks until committed
            socket.broadcastToRoom(room, "userJoined", Map.of("username", socket.id()));
        });
        server.on("leaveChannel", (socket, data, ack) -> {
            String room = "channel:" + data.path("channelName").asText();
            socket.leave(room);
            socket.broadcastToRoom(room, "userLeft", Map.of("username", socket.id()));
        });
    }

    void queries(SocketServer server, String id) {
        Set<String> ids = server.roomMembers("channel:general"); // public ids
        long count = server.roomSize("channel:general"); // O(1)
        Set<String> rooms = server.socketRooms(id);
        server.socket(id).ifPresent(s -> s.emit("kicked", null));
        server.in("lobby").socketsJoin("announcements");
        server.in("game:42").disconnectSockets();
    }

    void history(SocketServer server) {
        server.on("joinChannel", (socket, data, ack) -> {
            String room = "channel:" + data.path("channelName").asText();
            socket.join(room);
            List<RoomMessage> last =
                    server.history(room, 50, "newMessage").toCompletableFuture().join();
            socket.emit(
                    "history",
                    Map.of("messages", last.stream().map(RoomMessage::data).toList()));
        });
    }

    void acks(Socket socket) {
        socket.emitWithAck("question", Map.of("q", "ready?"), Duration.ofSeconds(5))
                .whenComplete((answer, error) -> {
                    /* error: AckTimeoutException, or code "disconnected" */
                });
    }

    void echo(SocketServer server) {
        server.on("echo", (socket, data, ack) -> ack.send(Map.of("echo", data)));
    }

    void data(Socket socket) {
        socket.data().set("name", "ada");
        Integer n = socket.data().update("messages", Integer.class, v -> v == null ? 1 : v + 1); // atomic per key
        String name = socket.data().get("name", String.class);
    }

    void store(SocketServer server, Socket socket, String id, String name, Map<String, Object> meta) {
        server.store()
                .put(
                        "game:" + id + ":data",
                        new Game(socket.id(), "waiting", List.of(socket.id())),
                        Duration.ofHours(6));
        Game g = server.store()
                .update("game:" + id + ":data", Game.class, game -> game.withPlayer(socket.id()), Duration.ofHours(6));
        boolean created = server.store().putIfAbsent("room:" + name + ":meta", meta, Duration.ZERO);
    }

    void cleanup(SocketServer server) {
        server.onDisconnect((socket, reason) -> {
            for (String room : socket.rooms()) {
                socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()));
            }
        });
    }

    void namespaces(SocketServer server, Object state) {
        Namespace chat = server.of("/chat");
        chat.use(handshake -> handshake.attribute("user", verify(handshake.auth())));
        chat.on("say", (socket, data, ack) -> socket.broadcastToRoom("general", "said", data));
        chat.to("general").emit("announcement", "hello"); // only /chat's "general"

        Namespace games = server.of(name -> name.matches("/game-\\d+")); // dynamic
        games.on("move", (socket, data, ack) -> socket.broadcast().emit("moved", data));
        server.of("/game-42").to("players").emit("tick", state);
    }

    void middleware(SocketServer server) {
        server.use(
                handshake -> { // before a session exists
                    Claims c = jwt.verify(
                            handshake.auth().path("token").asText("")); // throw SocketServeException(…, 401) to reject
                    handshake.attribute("userId", c.subject()); // read later with socket.attributes().get("userId")
                });
        server.useEvents((socket, event, data) -> { // before every handler
            if (event.startsWith("admin:")
                    && !"admin".equals(socket.attributes().get("role"))) {
                throw new SocketServeException("forbidden", "admins only", 403);
            }
        });
        server.authorizeJoin(
                (socket, room) -> // socket.join(room) throws forbidden_room when false
                !room.startsWith("private:") || invited(room).contains(socket.id()));
    }
}
