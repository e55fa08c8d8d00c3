package io.socketserve.demo;

import io.socketserve.SocketServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small helper events the client test suites use ({@code echo}, {@code askMe}, {@code burst},
 * {@code whoami}). Test code only: the demo never registers them ({@code burst} appends up to 10,000
 * messages per event to any room, with no membership check). A test registers them on a running
 * demo, {@code TestHelpers.register(running.server())}.
 */
public final class TestHelpers {

    private TestHelpers() {}

    /** Registers the helper events on {@code server}. */
    public static void register(SocketServer server) {
        server.on("echo", (socket, data, ack) -> ack.send(Map.of("echo", data)));
        server.on("askMe", (socket, data, ack) -> socket.emitWithAck("question", data, Duration.ofSeconds(5))
                .whenComplete((answer, error) -> socket.emit(
                        "answered",
                        error == null ? Map.of("answer", answer) : Map.of("error", String.valueOf(error)))));
        server.on("burst", (socket, data, ack) -> {
            String room = data.path("room").asText();
            int count = Math.min(data.path("count").asInt(0), 10_000);
            for (int n = 0; n < count; n++) {
                socket.broadcastToRoom(room, "seq", Map.of("n", n));
            }
            ack.send(Map.of("sent", count));
        });
        server.on("whoami", (socket, data, ack) -> ack.send(Map.of("id", socket.id(), "rooms", socket.rooms())));
        // How often each event ran: "countRun" records {tag, i}; "countRuns" answers {i: runs} of a tag.
        server.on("countRun", (socket, data, ack) -> RUNS.computeIfAbsent(
                        socket.id() + "/" + data.path("tag").asText(), k -> new ConcurrentHashMap<>())
                .merge(data.path("i").asText(), 1, Integer::sum));
        server.on(
                "countRuns",
                (socket, data, ack) -> ack.send(
                        RUNS.getOrDefault(socket.id() + "/" + data.path("tag").asText(), new ConcurrentHashMap<>())));
    }

    private static final Map<String, Map<String, Integer>> RUNS = new ConcurrentHashMap<>();
}
