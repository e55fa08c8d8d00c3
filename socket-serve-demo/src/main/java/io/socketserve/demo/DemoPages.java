package io.socketserve.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The few additions the demo pages need beyond the seed's handlers (which stay as the seed wrote
 * them): display names, "who is here" presence for a page, and the list of open games.
 *
 * <ul>
 *   <li>A client may send {@code {"auth":{"name":"ada"}}} when it connects; the name is kept with
 *       the session (an attribute, readable on every instance).
 *   <li>{@code names {ids:[…]}} → ack {@code {names:{id:name}}}: display names of public ids.
 *   <li>{@code watch {topic}} → joins {@code watch:<topic>}, tells the others {@code watcherJoined
 *       {id,name}}, acks {@code {members:[{id,name}]}}. Leaving is the seed's disconnect cleanup
 *       ({@code userLeft {userId}} to every room).
 *   <li>{@code listGames} → ack {@code {games:[{gameId,host,status,players}]}}; the lobby handlers
 *       also send {@code gameUpdated} (same shape) to the watchers of topic {@code lobby}.
 * </ul>
 */
public final class DemoPages {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /** The session attribute holding the display name. */
    public static final String NAME = "name";

    /** The room of the lobby page's watchers. */
    public static final String LOBBY = "watch:lobby";

    private static final String GAME_INDEX = "games:index";
    private static final int MAX_LISTED_GAMES = 50;
    private static final int MAX_NAME_LENGTH = 32;
    private static final int MAX_IDS = 200;

    private DemoPages() {}

    /** Registers the additions on {@code server}. */
    public static void register(SocketServer server) {
        server.use(handshake -> {
            String name = cleanName(handshake.auth().path(NAME).asText(""));
            if (!name.isEmpty()) {
                handshake.attribute(NAME, name);
            }
        });
        server.on("names", (socket, data, ack) -> {
            Map<String, String> names = new LinkedHashMap<>();
            int n = 0;
            for (JsonNode id : data.path("ids")) {
                if (++n > MAX_IDS) {
                    break;
                }
                String name = nameOf(server, id.asText());
                if (name != null) {
                    names.put(id.asText(), name);
                }
            }
            ack.send(Map.of("names", names));
        });
        server.on("watch", (socket, data, ack) -> {
            String topic = data.path("topic").asText("");
            if (topic.isEmpty() || topic.length() > 64) {
                throw new SocketServeException("invalid_payload", "'topic' is required (at most 64 characters)", 400);
            }
            String room = "watch:" + topic;
            socket.join(room);
            String me = socket.attributes().getOrDefault(NAME, "");
            socket.to(room).emit("watcherJoined", Map.of("id", socket.id(), "name", me));
            List<Map<String, String>> members = new ArrayList<>();
            for (String id : server.roomMembers(room)) {
                String name = id.equals(socket.id()) ? me : nameOf(server, id);
                members.add(Map.of("id", id, "name", name == null ? "" : name));
            }
            ack.send(Map.of("members", members));
        });
        server.on("listGames", (socket, data, ack) -> {
            List<Object> games = new ArrayList<>();
            JsonNode index = server.store().get(GAME_INDEX);
            if (index != null) {
                for (JsonNode id : index) {
                    SeedRooms.Game g = server.store().get("game:" + id.asText() + ":data", SeedRooms.Game.class);
                    if (g != null) {
                        games.add(summary(id.asText(), g));
                    }
                }
            }
            ack.send(Map.of("games", games));
        });
    }

    /**
     * Called by the lobby handlers after a game changed: lists it (newest last, at most {@value
     * #MAX_LISTED_GAMES}) and tells the lobby page's watchers.
     */
    static void gameChanged(SocketServer server, String gameId, SeedRooms.@Nullable Game game) {
        if (game == null) {
            return;
        }
        server.store()
                .update(
                        GAME_INDEX,
                        JsonNode.class,
                        index -> {
                            List<String> ids = new ArrayList<>();
                            if (index != null) {
                                index.forEach(id -> ids.add(id.asText()));
                            }
                            if (!ids.contains(gameId)) {
                                ids.add(gameId);
                            }
                            while (ids.size() > MAX_LISTED_GAMES) {
                                ids.remove(0);
                            }
                            return JSON.valueToTree(ids);
                        },
                        Duration.ofHours(6));
        server.to(LOBBY).emit("gameUpdated", summary(gameId, game));
    }

    private static Map<String, Object> summary(String gameId, SeedRooms.Game g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gameId", gameId);
        m.put("host", g.host());
        m.put("status", g.status());
        m.put("players", g.players());
        return m;
    }

    private static @Nullable String nameOf(SocketServer server, String id) {
        if (id.isEmpty() || id.length() > 64) {
            return null;
        }
        return server.socket(id).map(s -> s.attributes().get(NAME)).orElse(null);
    }

    static String cleanName(String raw) {
        StringBuilder out = new StringBuilder();
        raw.strip().codePoints().filter(c -> !Character.isISOControl(c)).forEach(out::appendCodePoint);
        String s = out.toString();
        return s.length() <= MAX_NAME_LENGTH ? s : s.substring(0, MAX_NAME_LENGTH);
    }
}
