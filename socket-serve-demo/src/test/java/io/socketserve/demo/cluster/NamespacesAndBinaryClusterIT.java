package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.Binary;
import io.socketserve.Namespace;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Namespaces (static and dynamic) and binary payloads through the Redis backend, with requests and
 * streams on different instances: rooms of one namespace stay invisible to another, and bytes
 * arrive intact. (The in-memory side of both is covered by the core and netty suites.)
 */
class NamespacesAndBinaryClusterIT {

    private Cluster cluster;

    private static void handlers(Namespace ns) {
        ns.on("join", (socket, d, ack) -> socket.join("lobby"));
        ns.on("say", (socket, d, ack) -> socket.broadcastToRoom("lobby", "said", d));
        ns.on(
                "upload",
                (socket, d, ack) ->
                        socket.broadcastToRoom("lobby", "image", Map.of("bytes", Binary.decode(d.get("bytes")))));
    }

    @BeforeEach
    void start() {
        cluster = new Cluster(2, o -> o.eventRateLimit(0, 1).connectionRateLimit(0, 1), (SocketServer server) -> {
            handlers(server);
            handlers(server.of("/chat"));
            handlers(server.of(name -> name.startsWith("/game-")));
        });
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static void ok(HttpResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    /** A session created on instance {@code on} in {@code namespace}, streaming from the other one. */
    private TestClient member(String namespace, int on) {
        TestClient c = cluster.client(on);
        ok(c.connect(Map.of("namespace", namespace)));
        TestClient stream = cluster.as(c, 1 - on);
        stream.openStream();
        ok(cluster.as(c, on).emit("join", null));
        return stream;
    }

    @Test
    void roomsOfOneNamespaceAreInvisibleToAnotherAcrossInstances() {
        TestClient chatA = member("/chat", 0);
        TestClient chatB = member("/chat", 1);
        TestClient root = member("/", 0);
        TestClient game = member("/game-7", 1);

        ok(cluster.as(chatA, 1).emit("say", "in chat"));
        ok(cluster.as(root, 1).emit("say", "in root"));
        ok(cluster.as(game, 0).emit("say", "in game"));

        assertThat(chatB.awaitEvent("said").data().asText()).isEqualTo("in chat");
        assertThat(chatA.awaitEvent("said").data().asText()).isEqualTo("in chat");
        assertThat(root.awaitEvent("said").data().asText()).isEqualTo("in root");
        assertThat(game.awaitEvent("said").data().asText()).isEqualTo("in game");
        for (TestClient c : List.of(chatA, chatB, root, game)) {
            assertThat(c.frames().history())
                    .filteredOn(f -> f.event().equals("said"))
                    .hasSize(1);
        }
        for (Cluster.Node n : cluster.nodes) {
            assertThat(n.server.of("/chat").roomMembers("lobby")).hasSize(2);
            assertThat(n.server.roomMembers("lobby")).containsExactly(root.id());
            assertThat(n.server.of("/game-7").roomMembers("lobby")).containsExactly(game.id());
        }
        HttpResult unknown = cluster.client(1)
                .rawPost(
                        "/connect",
                        TestClient.json(Map.of("namespace", "/nope")),
                        Map.of("Content-Type", "application/json"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("unknown_namespace");
    }

    @Test
    void bytesCrossInstancesIntact() {
        TestClient sender = member("/", 0);
        TestClient receiver = member("/", 1);
        byte[] bytes = new byte[256 * 16];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }

        ok(cluster.as(sender, 1)
                .emit(
                        "upload",
                        Map.of("bytes", Map.of("$binary", Base64.getEncoder().encodeToString(bytes)))));

        ReceivedFrame image = receiver.awaitEvent("image");
        assertThat(Binary.decode(image.data().get("bytes"))).isEqualTo(bytes);
    }
}
