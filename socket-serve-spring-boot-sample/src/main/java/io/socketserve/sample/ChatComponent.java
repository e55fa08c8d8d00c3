package io.socketserve.sample;

import io.socketserve.OnDisconnect;
import io.socketserve.OnEvent;
import io.socketserve.RoomMessage;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The socket-serve demo's chat ({@code socket-serve-demo/…/SeedRooms.java}, {@code chat}) as one
 * annotated Spring component: the same event names and payloads, so the demo's chat page and
 * clients written for the original npm {@code socket-serve} work unchanged.
 *
 * <table>
 *   <caption>Events</caption>
 *   <tr><th>client sends</th><th>others in the channel get</th><th>ack</th></tr>
 *   <tr><td>{@code joinChannel {channelName, username?}}</td><td>{@code userJoined {username}} (the
 *       joiner too, then {@code history {channel, messages}} to the joiner)</td><td>{@code {members,
 *       presence}}</td></tr>
 *   <tr><td>{@code sendMessage {channel, message}}</td><td>{@code newMessage {from, name?, text,
 *       timestamp, id}}</td><td>{@code {ok:true}}</td></tr>
 *   <tr><td>{@code leaveChannel {channelName}}</td><td>{@code userLeft {username}}</td><td>none</td></tr>
 *   <tr><td>{@code setStatus {channelName, status}}</td><td>{@code presence}</td><td>{@code
 *       {ok:true}}</td></tr>
 *   <tr><td>{@code channelMembers {channelName}}</td><td></td><td>{@code {members}}</td></tr>
 *   <tr><td>{@code names {ids}}</td><td></td><td>{@code {names:{id:name}}}</td></tr>
 *   <tr><td>(disconnect)</td><td>{@code userLeft {userId}}</td><td></td></tr>
 * </table>
 *
 * <p>A channel {@code c} is the room {@code channel:c}. {@code username} is the presence user (two
 * tabs of one name count once), else the socket's public id. A field that is missing is answered
 * {@code 400 invalid_payload}, as in the demo.
 */
@Component
public class ChatComponent {

    /** The session attribute holding the display name sent as {@code auth.name} at connect. */
    public static final String NAME = "name";

    /** How many of a channel's last messages a joiner is sent. */
    static final int HISTORY_ON_JOIN = 50;

    /** The presence statuses {@code setStatus} accepts. */
    static final List<String> STATUSES = List.of("online", "away");

    private static final int MAX_NAME_LENGTH = 32;
    private static final int MAX_IDS = 200;

    public record JoinChannel(@Nullable String channelName, @Nullable String username) {}

    public record SendMessage(@Nullable String channel, @Nullable String message) {}

    public record LeaveChannel(@Nullable String channelName) {}

    public record SetStatus(@Nullable String channelName, @Nullable String username, @Nullable String status) {}

    public record ChannelMembers(@Nullable String channelName) {}

    public record Names(@Nullable List<String> ids) {}

    private final SocketServer server;

    public ChatComponent(SocketServer server) {
        this.server = server;
    }

    @OnEvent("joinChannel")
    public Map<String, Object> joinChannel(Socket socket, JoinChannel join) {
        String channel = required(join.channelName(), "channelName");
        String room = room(channel);
        socket.join(room);
        socket.track(room, userOf(socket, join.username()), presenceState(socket, join.username(), "online"));
        socket.broadcastToRoom(room, "userJoined", Map.of("username", socket.id()));
        socket.emit("history", history(channel, room));
        return Map.of("members", server.roomMembers(room), "presence", server.presence(room));
    }

    @OnEvent("sendMessage")
    public Map<String, Object> sendMessage(Socket socket, SendMessage send) {
        String channel = required(send.channel(), "channel");
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("from", socket.id());
        String name = socket.attributes().getOrDefault(NAME, "");
        if (!name.isEmpty()) {
            message.put("name", name);
        }
        message.put("text", required(send.message(), "message"));
        message.put("timestamp", System.currentTimeMillis());
        message.put("id", UUID.randomUUID().toString());
        socket.broadcastToRoom(room(channel), "newMessage", message);
        return Map.of("ok", true);
    }

    @OnEvent("leaveChannel")
    public void leaveChannel(Socket socket, LeaveChannel leave) {
        String room = room(required(leave.channelName(), "channelName"));
        socket.leave(room); // untracks too: the others get a presence "leave" if it was the user's last session
        socket.broadcastToRoom(room, "userLeft", Map.of("username", socket.id()));
    }

    @OnEvent("setStatus")
    public Map<String, Object> setStatus(Socket socket, SetStatus set) {
        String status = required(set.status(), "status");
        if (!STATUSES.contains(status)) {
            throw new SocketServeException("invalid_payload", "'status' must be one of " + STATUSES, 400);
        }
        socket.updatePresence(
                room(required(set.channelName(), "channelName")), presenceState(socket, set.username(), status));
        return Map.of("ok", true);
    }

    @OnEvent("channelMembers")
    public Map<String, Object> channelMembers(ChannelMembers query) {
        return Map.of("members", server.roomMembers(room(required(query.channelName(), "channelName"))));
    }

    /** The display names of public ids (the page labels messages and members with them). */
    @OnEvent("names")
    public Map<String, Object> names(Names query) {
        Map<String, String> names = new LinkedHashMap<>();
        List<String> ids = query.ids() == null ? List.of() : query.ids();
        for (String id : ids.subList(0, Math.min(ids.size(), MAX_IDS))) {
            if (id == null || id.isEmpty() || id.length() > 64) {
                continue;
            }
            server.socket(id).map(s -> s.attributes().get(NAME)).ifPresent(name -> names.put(id, name));
        }
        return Map.of("names", names);
    }

    /** The demo's disconnect cleanup: {@code userLeft {userId}} to every room the socket was in. */
    @OnDisconnect
    public void disconnected(Socket socket) {
        for (String room : socket.rooms()) {
            socket.broadcastToRoom(room, "userLeft", Map.of("userId", socket.id()));
        }
    }

    private static String room(String channel) {
        return "channel:" + channel;
    }

    private static String required(@Nullable String value, String field) {
        if (value == null) {
            throw new SocketServeException("invalid_payload", "'" + field + "' is required", 400);
        }
        return value;
    }

    /** {@code {channel, messages}}: the channel's last {@code newMessage} payloads, oldest first. */
    private Map<String, Object> history(String channel, String room) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("channel", channel);
        try {
            List<Object> messages = new ArrayList<>();
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

    /** The presence user: the optional {@code username}, else the socket's public id. */
    private static String userOf(Socket socket, @Nullable String username) {
        String user = username == null ? "" : cleanName(username);
        return user.isEmpty() ? socket.id() : user;
    }

    /** {@code {name, status}}: the display name from the handshake, else the user. */
    private static Map<String, Object> presenceState(Socket socket, @Nullable String username, String status) {
        String name = socket.attributes().getOrDefault(NAME, "");
        return Map.of("name", name.isEmpty() ? userOf(socket, username) : name, "status", status);
    }

    /** Strips control characters and cuts to 32 characters. */
    static String cleanName(String raw) {
        StringBuilder out = new StringBuilder();
        raw.strip().codePoints().filter(c -> !Character.isISOControl(c)).forEach(out::appendCodePoint);
        String s = out.toString();
        return s.length() <= MAX_NAME_LENGTH ? s : s.substring(0, MAX_NAME_LENGTH);
    }
}
