package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.PresenceEntry;
import io.socketserve.RemoteSocket;
import io.socketserve.SocketServer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * What the admin page reads: the overview of the deployment (from the instances' published
 * statistics, with room sizes read from the backend) and the members of one room. All blocking
 * except {@link #room}; run off the event loops.
 */
public final class AdminQueries {

    /** At most this many members of a room are listed (the count is exact). */
    public static final int MAX_MEMBERS = 200;

    static final int MAX_ERRORS = 30;

    /** Above this many sessions in the deployment the overview lists no rooms (see {@link #rooms}). */
    public static final long MAX_SCANNED_SESSIONS = 10_000;

    private final SocketServer server;
    private final StatsBoard board;
    private final int topRooms;
    private final boolean readOnly;

    public AdminQueries(SocketServer server, StatsBoard board, int topRooms, boolean readOnly) {
        this.server = server;
        this.board = board;
        this.topRooms = topRooms;
        this.readOnly = readOnly;
    }

    /** The overview the page shows (blocking). */
    public ObjectNode overview() {
        List<JsonNode> instances = board.instances();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("generatedAt", System.currentTimeMillis());
        out.put("readOnly", readOnly);
        ObjectNode totals = out.putObject("totals");
        Map<String, Long> byTransport = new TreeMap<>();
        long streams = 0;
        long sessions = 0;
        double events = 0;
        double deliveries = 0;
        long maxLag = 0;
        List<ObjectNode> errors = new ArrayList<>();
        ArrayNode list = out.putArray("instances");
        for (JsonNode s : instances) {
            ObjectNode copy = ((ObjectNode) s).deepCopy();
            copy.remove("errors");
            copy.remove("transports");
            list.add(copy);
            s.path("sessions")
                    .properties()
                    .forEach(e -> byTransport.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            sessions += s.path("sessionsTotal").asLong(sum(s.path("sessions")));
            streams += s.path("streams").asLong();
            events += s.path("eventsPerSecond").asDouble();
            deliveries += s.path("deliveriesPerSecond").asDouble();
            maxLag = Math.max(maxLag, s.path("readerLag").asLong());
            for (JsonNode e : s.path("errors")) {
                ObjectNode err = ((ObjectNode) e).deepCopy();
                err.put("instance", s.path("id").asText());
                errors.add(err);
            }
        }
        totals.put("instances", instances.size());
        totals.put("sessions", sessions);
        ObjectNode t = totals.putObject("sessionsByTransport");
        byTransport.forEach(t::put);
        totals.put("streams", streams);
        totals.put("eventsPerSecond", events);
        totals.put("deliveriesPerSecond", deliveries);
        totals.put("maxReaderLag", maxLag);
        rooms(out, sessions);
        ArrayNode errs = out.putArray("errors");
        errors.stream()
                .sorted(Comparator.comparingLong((ObjectNode e) -> e.path("at").asLong())
                        .reversed())
                .limit(MAX_ERRORS)
                .forEach(errs::add);
        return out;
    }

    /**
     * The largest rooms of the default namespace, with exact member counts: one scan of the
     * deployment's sessions ({@code fetchSockets}), skipped above {@link #MAX_SCANNED_SESSIONS}
     * sessions (the page then looks rooms up by name, each an O(1) count).
     */
    private void rooms(ObjectNode out, long sessions) {
        ArrayNode rooms = out.putArray("rooms");
        if (sessions > MAX_SCANNED_SESSIONS) {
            out.put("roomsNote", "more than " + MAX_SCANNED_SESSIONS + " sessions: look a room up by name");
            return;
        }
        Map<String, Long> counts = new java.util.HashMap<>();
        for (RemoteSocket s :
                server.except().fetchSockets().toCompletableFuture().join()) {
            for (String room : s.rooms()) {
                counts.merge(room, 1L, Long::sum);
            }
        }
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(topRooms)
                .forEach(e -> rooms.addObject().put("name", e.getKey()).put("members", e.getValue()));
    }

    private static long sum(JsonNode counts) {
        long n = 0;
        for (JsonNode c : counts) {
            n += c.asLong();
        }
        return n;
    }

    /**
     * A room of the default namespace: its size, up to {@link #MAX_MEMBERS} members (public id, since
     * when connected, rooms, transport when an instance published it) and the users present in it.
     */
    public CompletionStage<ObjectNode> room(String room) {
        Map<String, String> transports = transports();
        return server.to(room).fetchSockets().thenApply(sockets -> {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            out.put("name", room);
            out.put("members", sockets.size());
            ArrayNode list = out.putArray("list");
            sockets.stream()
                    .sorted(Comparator.comparing(RemoteSocket::connectedSince).thenComparing(RemoteSocket::id))
                    .limit(MAX_MEMBERS)
                    .forEach(s -> {
                        ObjectNode m = list.addObject();
                        m.put("id", s.id());
                        m.put("connectedSince", s.connectedSince().toEpochMilli());
                        String transport = transports.get(s.id());
                        if (transport == null) {
                            m.putNull("transport");
                        } else {
                            m.put("transport", transport);
                        }
                        ArrayNode rooms = m.putArray("rooms");
                        s.rooms().stream().sorted().forEach(rooms::add);
                    });
            ArrayNode presence = out.putArray("presence");
            for (PresenceEntry p : server.presence(room)) {
                presence.addObject()
                        .put("userId", p.userId())
                        .put("sessions", p.sessions())
                        .set("state", p.state());
            }
            return out;
        });
    }

    /** Public id → transport, as the instances published it (each its most recently attached sessions). */
    private Map<String, String> transports() {
        Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode s : board.instances()) {
            s.path("transports")
                    .properties()
                    .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
