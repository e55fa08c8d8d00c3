package io.socketserve.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.RoomMessage;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * Every example of the original socket-serve "Rooms" page, in Java, with the same event names and
 * payloads, so clients written for the original work unchanged. Application state (games, room
 * metadata, invitation lists) lives in {@link SocketServer#store()}, i.e. in the same backend as
 * the sessions, so this works unchanged across many instances with Redis.
 *
 * <p>Beyond the seed (additions only; the seed's events and payload fields are unchanged): the chat
 * and the editor track who is in a channel or document with presence ({@link Socket#track}), a
 * chat joiner is sent the channel's recent messages ({@code history}), and editor cursors travel as
 * volatile emits.
 */
public final class SeedRooms {

    /** The seed's {@code MAX_ROOMS}. */
    public static final int MAX_ROOMS = 10;

    private SeedRooms() {}

    /** Registers every handler on {@code server}. */
    public static void register(SocketServer server) {
        chat(server);
        gameLobby(server);
        dashboard(server);
        collaborativeEditing(server);
        roomLimits(server);
        dynamicRooms(server);
        privateRooms(server);
        disconnectCleanup(server);
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private static String text(JsonNode data, String field) {
        JsonNode n = data.get(field);
        if (n == null || n.isNull() || n.isContainerNode()) {
            throw new io.socketserve.SocketServeException("invalid_payload", "'" + field + "' is required", 400);
        }
        return n.asText();
    }

    /**
     * The seed's chat, plus (not in the seed):
     *
     * <ul>
     *   <li>presence: {@code joinChannel} also tracks the socket in the channel as the optional
     *       {@code username} (else its socket id) with state {@code {name, status:"online"}}, and
     *       its ack carries {@code presence} (the list) besides {@code members}; {@code setStatus
     *       {channelName, status}} ("online" or "away") updates that state. Every member receives
     *       the {@code presence} events;
     *   <li>history: after its own {@code userJoined}, the joiner is sent {@code history {channel,
     *       messages}}, the channel's last {@value #HISTORY_ON_JOIN} {@code newMessage} payloads
     *       still in the log, oldest first ({@code Namespace#history}; with {@code error} and no
     *       messages when they could not be read). Messages sent between the join and that read
     *       also arrive live: a page drops those by their {@code id};
     *   <li>{@code newMessage} carries two more fields: {@code id} (unique, for that) and {@code
     *       name}, the sender's display name (from the handshake), so that a message can be labelled
     *       after its sender's session has gone.
     * </ul>
     */
    static void chat(SocketServer server) {
        server.on("joinChannel", (socket, data, ack) -> {
            String channel = text(data, "channelName");
            String room = "channel:" + channel;
            socket.join(room);
            socket.track(room, userOf(socket, data), presenceState(socket, data, "online"));
            socket.broadcastToRoom(room, "userJoined", Map.of("username", socket.id()));
            socket.emit("history", history(server, channel, room));
            ack.send(Map.of("members", server.roomMembers(room), "presence", server.presence(room)));
        });
        server.on("sendMessage", (socket, data, ack) -> {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("from", socket.id());
            String name = socket.attributes().getOrDefault(DemoPages.NAME, "");
            if (!name.isEmpty()) {
                message.put("name", name);
            }
            message.put("text", text(data, "message"));
            message.put("timestamp", now());
            message.put("id", UUID.randomUUID().toString());
            socket.broadcastToRoom("channel:" + text(data, "channel"), "newMessage", message);
            ack.send(Map.of("ok", true));
        });
        server.on("leaveChannel", (socket, data, ack) -> {
            String room = "channel:" + text(data, "channelName");
            socket.leave(room); // untracks too: the others get a presence "leave" if it was the user's last session
            socket.broadcastToRoom(room, "userLeft", Map.of("username", socket.id()));
        });
        server.on("setStatus", (socket, data, ack) -> {
            String status = text(data, "status");
            if (!STATUSES.contains(status)) {
                throw new io.socketserve.SocketServeException(
                        "invalid_payload", "'status' must be one of " + STATUSES, 400);
            }
            socket.updatePresence("channel:" + text(data, "channelName"), presenceState(socket, data, status));
            ack.send(Map.of("ok", true));
        });
        // Who is in a channel (the chat page's member list).
        server.on(
                "channelMembers",
                (socket, data, ack) ->
                        ack.send(Map.of("members", server.roomMembers("channel:" + text(data, "channelName")))));
    }

    /** How many of a channel's last messages a joiner is sent. */
    static final int HISTORY_ON_JOIN = 50;

    /** {@code {channel, messages}}: the channel's last {@code newMessage} payloads, oldest first. */
    private static Map<String, Object> history(SocketServer server, String channel, String room) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("channel", channel);
        try {
            List<JsonNode> messages = new ArrayList<>();
            for (RoomMessage m : server.history(room, HISTORY_ON_JOIN, "newMessage")
                    .toCompletableFuture()
                    .join()) {
                messages.add(m.data());
            }
            out.put("messages", messages);
        } catch (CompletionException | SocketServeException e) {
            // the chat works without its history: the joiner is told, the join still succeeds
            out.put("messages", List.of());
            out.put("error", "the channel's earlier messages could not be read");
        }
        return out;
    }

    /** The presence statuses {@code setStatus} accepts. */
    static final List<String> STATUSES = List.of("online", "away");

    /** The presence user: the optional {@code username} the page sends, else the socket's public id. */
    private static String userOf(Socket socket, JsonNode data) {
        JsonNode n = data.get("username");
        String user = n == null || !n.isTextual() ? "" : DemoPages.cleanName(n.asText());
        return user.isEmpty() ? socket.id() : user;
    }

    /** {@code {name, status}}: the display name from the handshake, else the user. */
    private static Map<String, Object> presenceState(Socket socket, JsonNode data, String status) {
        String name = socket.attributes().getOrDefault(DemoPages.NAME, "");
        return Map.of("name", name.isEmpty() ? userOf(socket, data) : name, "status", status);
    }

    /** The game record kept in the shared store, as the seed keeps it in a Redis hash. */
    public record Game(String host, String status, List<String> players) {}

    static void gameLobby(SocketServer server) {
        server.on("createGame", (socket, data, ack) -> {
            String gameId = text(data, "gameId");
            socket.join("game:" + gameId);
            Game created = new Game(socket.id(), "waiting", List.of(socket.id()));
            server.store().put("game:" + gameId + ":data", created, Duration.ofHours(6));
            socket.emit("gameCreated", Map.of("gameId", gameId));
            DemoPages.gameChanged(server, gameId, created); // the lobby page's list (not in the seed)
        });
        server.on("joinGame", (socket, data, ack) -> {
            String gameId = text(data, "gameId");
            socket.join("game:" + gameId);
            Game game = server.store()
                    .update(
                            "game:" + gameId + ":data",
                            Game.class,
                            g -> {
                                Game current = g == null ? new Game(socket.id(), "waiting", List.of()) : g;
                                if (current.players().contains(socket.id())) {
                                    return current;
                                }
                                List<String> players = new ArrayList<>(current.players());
                                players.add(socket.id());
                                return new Game(current.host(), current.status(), players);
                            },
                            Duration.ofHours(6));
            socket.broadcastToRoom(
                    "game:" + gameId,
                    "playerJoined",
                    Map.of(
                            "playerId",
                            socket.id(),
                            "totalPlayers",
                            game == null ? 1 : game.players().size(),
                            "players",
                            game == null ? List.of() : game.players()));
            DemoPages.gameChanged(server, gameId, game);
        });
        server.on("startGame", (socket, data, ack) -> {
            String gameId = text(data, "gameId");
            Game started = server.store()
                    .update(
                            "game:" + gameId + ":data",
                            Game.class,
                            g -> g == null ? null : new Game(g.host(), "started", g.players()),
                            Duration.ofHours(6));
            socket.broadcastToRoom("game:" + gameId, "gameStarted", Map.of("timestamp", now()));
            DemoPages.gameChanged(server, gameId, started);
        });
    }

    static void dashboard(SocketServer server) {
        server.on("subscribe", (socket, data, ack) -> {
            socket.join("dept:" + text(data, "department"));
            JsonNode team = data.get("team");
            if (team != null && !team.isNull() && !team.asText().isEmpty()) {
                socket.join("team:" + team.asText());
            }
            socket.emit("subscribed", Map.of("rooms", new ArrayList<>(socket.rooms())));
        });
        server.on("updateMetric", (socket, data, ack) -> {
            JsonNode scope = data.path("scope");
            String type = scope.path("type").asText();
            String id = scope.path("id").asText();
            Map<String, Object> update = new LinkedHashMap<>();
            update.put("metric", data.get("metric"));
            update.put("value", data.get("value"));
            if ("department".equals(type)) {
                socket.broadcastToRoom("dept:" + id, "metricUpdate", update);
            } else if ("team".equals(type)) {
                socket.broadcastToRoom("team:" + id, "metricUpdate", update);
            }
        });
    }

    /**
     * The seed's collaborative editing, with two changes: {@code openDocument} also tracks the socket
     * in the document's presence (user as in {@link #chat}; the ack carries {@code presence}), and
     * {@code cursor} goes out as a volatile emit to the <em>other</em> viewers ({@code cursorMoved
     * {userId, user, position}}): a cursor position is stale at once, so it is never stored or
     * replayed and is dropped for a viewer that is not ready.
     */
    static void collaborativeEditing(SocketServer server) {
        server.on("openDocument", (socket, data, ack) -> {
            String room = "doc:" + text(data, "docId");
            socket.join(room);
            socket.track(room, userOf(socket, data), presenceState(socket, data, "online"));
            socket.broadcastToRoom(room, "userJoined", Map.of("userId", socket.id(), "timestamp", now()));
            ack.send(Map.of("viewers", server.roomMembers(room), "presence", server.presence(room)));
        });
        server.on("edit", (socket, data, ack) -> {
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("userId", socket.id());
            change.put("changes", data.get("changes"));
            change.put("timestamp", now());
            socket.broadcastToRoom("doc:" + text(data, "docId"), "documentChanged", change);
        });
        server.on("cursor", (socket, data, ack) -> {
            Map<String, Object> moved = new LinkedHashMap<>();
            moved.put("userId", socket.id());
            moved.put("user", userOf(socket, data));
            moved.put("position", data.get("position"));
            socket.to("doc:" + text(data, "docId")).volatileEmit("cursorMoved", moved);
        });
        server.on("closeDocument", (socket, data, ack) -> {
            String room = "doc:" + text(data, "docId");
            socket.leave(room);
            socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()));
        });
    }

    /**
     * The seed's room limit. Not in the seed: a {@code private:} room is joined only by an invited
     * socket (as {@code joinPrivateRoom} does), so {@code joinRoom} is no way around the invitation.
     */
    static void roomLimits(SocketServer server) {
        server.on("joinRoom", (socket, data, ack) -> {
            String roomName = text(data, "roomName");
            if (!mayJoin(server, socket, roomName)) {
                socket.emit("error", Map.of("message", "Access denied"));
                ack.send(Map.of("error", "Access denied"));
                return;
            }
            if (socket.rooms().size() >= MAX_ROOMS && !socket.rooms().contains(roomName)) {
                socket.emit("error", Map.of("message", "Maximum rooms reached"));
                // an emit with an ack callback learns it too (the seed left it waiting until its timeout)
                ack.send(Map.of("error", "Maximum rooms reached"));
                return;
            }
            socket.join(roomName);
            ack.send(Map.of("rooms", socket.rooms()));
        });
    }

    static void dynamicRooms(SocketServer server) {
        server.on("createRoom", (socket, data, ack) -> {
            String roomName = text(data, "roomName");
            Map<String, Object> meta = new LinkedHashMap<>();
            JsonNode options = data.get("options");
            if (options != null && options.isObject()) {
                options.properties().forEach(e -> meta.put(e.getKey(), e.getValue()));
            }
            if (roomName.startsWith(PRIVATE_PREFIX)) {
                // private room ids are made by createPrivateRoom only: no way into one by its id
                socket.emit("error", Map.of("message", "Access denied"));
                return;
            }
            meta.put("creator", socket.id());
            meta.put("createdAt", now());
            // putIfAbsent is atomic in the backend: two instances cannot both create the room.
            if (!server.store().putIfAbsent("room:" + roomName + ":meta", meta, Duration.ZERO)) {
                socket.emit("error", Map.of("message", "Room exists"));
                return;
            }
            socket.join(roomName);
            socket.emit("roomCreated", Map.of("roomName", roomName));
        });
    }

    /** The prefix of the rooms {@code createPrivateRoom} makes. */
    static final String PRIVATE_PREFIX = "private:";

    /** Whether {@code socket} was invited to the private room {@code roomId}. */
    private static boolean invited(SocketServer server, Socket socket, String roomId) {
        JsonNode allowed = server.store().get("room:" + roomId + ":allowed");
        boolean invited = false;
        if (allowed != null) {
            for (JsonNode id : allowed) {
                invited |= id.asText().equals(socket.id());
            }
        }
        return invited;
    }

    /** Any room but a private one, which needs an invitation. */
    private static boolean mayJoin(SocketServer server, Socket socket, String room) {
        return !room.startsWith(PRIVATE_PREFIX) || invited(server, socket, room);
    }

    static void privateRooms(SocketServer server) {
        server.on("createPrivateRoom", (socket, data, ack) -> {
            String roomId = PRIVATE_PREFIX + now() + ":" + UUID.randomUUID();
            List<String> allowed = new ArrayList<>();
            allowed.add(socket.id());
            data.path("participants").forEach(p -> allowed.add(p.asText()));
            server.store().put("room:" + roomId + ":allowed", allowed, Duration.ofHours(24));
            socket.join(roomId);
            for (String participant : allowed) {
                if (!participant.equals(socket.id())) {
                    server.socket(participant)
                            .ifPresent(p ->
                                    p.emit("privateRoomInvitation", Map.of("roomId", roomId, "from", socket.id())));
                }
            }
            socket.emit("privateRoomCreated", Map.of("roomId", roomId));
            ack.send(Map.of("roomId", roomId));
        });
        server.on("joinPrivateRoom", (socket, data, ack) -> {
            String roomId = text(data, "roomId");
            if (!invited(server, socket, roomId)) {
                socket.emit("error", Map.of("message", "Access denied"));
                ack.send(Map.of("error", "Access denied"));
                return;
            }
            socket.join(roomId);
            socket.emit("joinedPrivateRoom", Map.of("roomId", roomId));
            ack.send(Map.of("roomId", roomId));
        });
    }

    static void disconnectCleanup(SocketServer server) {
        server.onDisconnect((socket, reason) -> {
            for (String room : socket.rooms()) {
                socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()));
            }
        });
    }
}
