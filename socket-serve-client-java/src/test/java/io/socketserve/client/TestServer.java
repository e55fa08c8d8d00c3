package io.socketserve.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.testing.TcpForwarder;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real socket-serve server in the test JVM (in-memory backend, Netty on a free loopback port) with
 * the handlers the client tests use, and a TCP forwarder in front of it that can cut connections.
 */
final class TestServer implements AutoCloseable {

    final SocketServer server;
    final EmbeddedServer http;
    final TcpForwarder proxy;
    /** Events "record" in the order the server ran them, per tag. */
    final Map<String, List<Integer>> recorded = new ConcurrentHashMap<>();
    /** Runs of "countRun" per tag and index. */
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    /** Answers of clients to the server's "question". */
    final List<JsonNode> answers = new CopyOnWriteArrayList<>();

    TestServer(Consumer<ServerOptions.Builder> options) {
        ServerOptions.Builder b = ServerOptions.builder().connectionRateLimit(0, 1);
        options.accept(b);
        server = SocketServer.create(b.build());
        server.on("joinChannel", (socket, data, ack) -> {
            socket.join("channel:" + data.path("channelName").asText());
            ack.send(Map.of("joined", data.path("channelName").asText()));
        });
        server.on(
                "leaveChannel",
                (socket, data, ack) ->
                        socket.leave("channel:" + data.path("channelName").asText()));
        server.on("sendMessage", (socket, data, ack) -> socket.broadcastToRoom(
                        "channel:" + data.path("channel").asText(),
                        "newMessage",
                        Map.of("from", socket.id(), "text", data.path("message").asText()))
                .toCompletableFuture()
                .join());
        server.on("echo", (socket, data, ack) -> ack.send(data));
        server.on("burst", (socket, data, ack) -> {
            for (int i = 1; i <= data.path("count").asInt(); i++) {
                socket.broadcastToRoom(data.path("room").asText(), "n", Map.of("i", i))
                        .toCompletableFuture()
                        .join();
            }
            ack.send(data.path("count").asInt());
        });
        server.on("record", (socket, data, ack) -> recorded.computeIfAbsent(
                        data.path("tag").asText(), t -> new CopyOnWriteArrayList<>())
                .add(data.path("i").asInt()));
        server.on("countRun", (socket, data, ack) -> {
            runs.computeIfAbsent(
                            data.path("tag").asText() + "/" + data.path("i").asInt(), k -> new AtomicInteger())
                    .incrementAndGet();
            ack.send(data.path("i").asInt());
        });
        server.on("askMe", (socket, data, ack) -> socket.emitWithAck("question", data, Duration.ofSeconds(5))
                .thenAccept(answers::add));
        server.on("fail", (socket, data, ack) -> {
            throw new IllegalStateException("boom");
        });
        http = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .warmUp(0)
                .start();
        proxy = new TcpForwarder(http.port());
    }

    /** The base URL straight to the server. */
    URI base() {
        return URI.create("http://127.0.0.1:" + http.port() + "/socket");
    }

    /** The base URL through the forwarder (whose connections a test can cut). */
    URI proxied() {
        return URI.create("http://127.0.0.1:" + proxy.port() + "/socket");
    }

    @Override
    public void close() {
        proxy.close();
        http.close();
        server.close();
    }
}
