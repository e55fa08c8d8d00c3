package io.socketserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.redis.testing.TcpForwarder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three instances on one real redis-server behind a round-robin balancer (each new connection goes
 * to the next instance). The listener's connections are cut again and again, so it resumes on
 * another instance each time, while another client sends 500 numbered messages through the same
 * balancer: every one arrives once, in order, on the listener's one session.
 */
class ClusterIT {

    private RedisServerProcess redis;
    private final List<SocketServer> servers = new ArrayList<>();
    private final List<EmbeddedServer> https = new ArrayList<>();
    private TcpForwarder balancer;
    private final List<SocketClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(SocketClient::disconnect);
        if (balancer != null) {
            balancer.close();
        }
        https.forEach(EmbeddedServer::close);
        servers.forEach(SocketServer::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aListenerMovedBetweenInstancesGetsEveryMessageOnceInOrder() throws Exception {
        listenerMovedBetweenInstances(1);
    }

    /** The same with a log of 4 partitions (issue 15): positions are vectors the client keeps as text. */
    @Test
    void withAPartitionedLogTooEveryMessageArrivesOnceInOrder() throws Exception {
        listenerMovedBetweenInstances(4);
    }

    private void listenerMovedBetweenInstances(int partitions) throws Exception {
        redis = new RedisServerProcess().start();
        for (int i = 0; i < 3; i++) {
            SocketServer server = SocketServer.create(ServerOptions.builder()
                    .backend(new RedisBackend(RedisBackendOptions.builder()
                            .uri(redis.uri())
                            .partitions(partitions)
                            .build()))
                    .eventRateLimit(0, 1)
                    .connectionRateLimit(0, 1)
                    .build());
            server.on("join", (socket, data, ack) -> {
                socket.join(data.path("room").asText());
                ack.send(true);
            });
            server.on("say", (socket, data, ack) -> {
                socket.broadcastToRoom("r", "said", data);
                ack.send(data.path("i").asInt());
            });
            servers.add(server);
            https.add(EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(0)
                    .warmUp(0)
                    .start());
        }
        balancer = new TcpForwarder(
                https.get(0).port(), https.get(1).port(), https.get(2).port());
        SocketClient listener = SocketClient.connect(
                URI.create("http://127.0.0.1:" + balancer.port() + "/socket"),
                ClientOptions.builder().reconnectDelay(Duration.ofMillis(50)).build());
        clients.add(listener);
        List<Integer> got = new CopyOnWriteArrayList<>();
        listener.on("said", (data, ack) -> got.add(data.path("i").asInt()));
        listener.emitWithAck("join", Map.of("room", "r")).toCompletableFuture().get(15, TimeUnit.SECONDS);
        String id = listener.id();

        SocketClient talker = SocketClient.connect(
                URI.create("http://127.0.0.1:" + balancer.port() + "/socket"),
                ClientOptions.builder().maxQueue(1000).build());
        clients.add(talker);
        int count = 500;
        CompletableFuture<?> last = null;
        for (int i = 1; i <= count; i++) {
            if (i == count) {
                last = talker.emitWithAck("say", Map.of("i", i), Duration.ofSeconds(60))
                        .toCompletableFuture();
            } else {
                talker.emit("say", Map.of("i", i));
            }
        }
        int moves = 0;
        while (got.size() < count && moves < 30) {
            int seen = got.size();
            await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= Math.min(count, seen + 25));
            moves++;
            balancer.cutAll(); // every connection is cut; the new ones go round the instances
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= count);
        last.get(30, TimeUnit.SECONDS);
        System.out.printf(
                "ClusterIT: %d partition(s), %d messages, listener moved %d times%n", partitions, got.size(), moves);
        assertThat(got)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, count).boxed().toList());
        assertThat(listener.id()).isEqualTo(id);
        assertThat(moves).isGreaterThanOrEqualTo(5);
    }
}
