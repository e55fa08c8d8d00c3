package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.testing.RedisServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The warm-up of {@link EmbeddedServer} (issue 16): it leaves nothing behind in the server's
 * backend — no session in memory, no key in a real Redis — runs none of the application's code,
 * and the server is not ready ({@code GET /health/ready} 503) until it has finished.
 */
class WarmUpIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger applicationCalls = new AtomicInteger();
    private RedisServerProcess redis;
    private SocketServer server;
    private EmbeddedServer embedded;

    @AfterEach
    void stop() {
        if (embedded != null) {
            embedded.close();
        }
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** A server whose every application hook counts its calls: the warm-up must make none. */
    private SocketServer counted(ServerOptions options) {
        SocketServer s = SocketServer.create(options);
        s.onConnection(socket -> applicationCalls.incrementAndGet());
        s.on("join", (socket, data, ack) -> applicationCalls.incrementAndGet());
        s.on("pub", (socket, data, ack) -> applicationCalls.incrementAndGet());
        s.use(handshake -> applicationCalls.incrementAndGet());
        s.useEvents((socket, event, data) -> applicationCalls.incrementAndGet());
        return s;
    }

    private EmbeddedServer start(int warmUp) {
        return EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .serveClient(false)
                .warmUp(warmUp)
                .start();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + embedded.port() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void warmUpLeavesNoSessionInMemoryAndRunsNoApplicationCode() throws Exception {
        InMemoryBackend backend = new InMemoryBackend();
        server = counted(ServerOptions.builder().backend(backend).build());
        embedded = start(300);
        assertThat(embedded.awaitWarmUp(Duration.ofSeconds(60))).isTrue();

        assertThat(backend.sessionCount().toCompletableFuture().join()).isZero();
        assertThat(backend.head().toCompletableFuture().join()).isZero();
        assertThat(applicationCalls).hasValue(0);
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void warmUpLeavesNoKeyInRedis() throws Exception {
        redis = new RedisServerProcess().start();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            server = counted(ServerOptions.builder()
                    .backend(RedisBackend.create(redis.uri()))
                    .build());
            List<String> before = c.sync().keys("*");
            String commandsBefore = c.sync().info("commandstats");
            embedded = start(300);
            assertThat(embedded.awaitWarmUp(Duration.ofSeconds(60))).isTrue();

            assertThat(c.sync().keys("*")).containsExactlyInAnyOrderElementsOf(before);
            assertThat(server.health().logHead()).isZero();
            String commandsAfter = c.sync().info("commandstats");
            // Its sessions never reached this Redis: not one command that writes ran, in a script or not.
            for (String write : WRITES) {
                assertThat(calls(commandsAfter, write)).as(write).isEqualTo(calls(commandsBefore, write));
            }
            // What did reach it: reads of sessions that do not exist, which warm the backend's client.
            assertThat(calls(commandsAfter, "hgetall") - calls(commandsBefore, "hgetall"))
                    .isGreaterThanOrEqualTo(300);
            assertThat(applicationCalls).hasValue(0);
        } finally {
            client.shutdown();
        }
    }

    /** Every command the backend's scripts and calls write with. */
    private static final List<String> WRITES = List.of(
            "set", "del", "unlink", "hset", "hdel", "hincrby", "sadd", "srem", "zadd", "zrem", "xadd", "xtrim", "xdel",
            "rpush", "lpush", "ltrim", "lpop", "incrby", "incr", "pexpire", "expire", "persist", "publish");

    /** The calls of one command since the server started ({@code INFO commandstats}), 0 if none. */
    private static long calls(String commandstats, String command) {
        return commandstats
                .lines()
                .filter(l -> l.startsWith("cmdstat_" + command + ":"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^cmdstat_[^:]+:calls=(\\d+),.*", "$1")))
                .sum();
    }

    @Test
    void notReadyUntilTheWarmUpHasFinished() throws Exception {
        server = counted(ServerOptions.builder().build());
        // More sessions than this test waits for: the warm-up is still running while we look.
        embedded = start(1_000_000);
        assertThat(embedded.isWarm()).isFalse();
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        JsonNode body = JSON.readTree(ready.body());
        assertThat(body.path("status").asText()).isEqualTo("DOWN");
        assertThat(body.path("warm").asBoolean(true)).isFalse();
        assertThat(body.path("problem").asText()).isEqualTo("warming up");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(embedded.awaitWarmUp(Duration.ofMillis(200))).isFalse();
        // Requests are served meanwhile (only slower): a client that does not wait for ready works.
        HttpResponse<String> connect = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + embedded.port() + "/socket/connect"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(connect.statusCode()).as(connect.body()).isEqualTo(200);

        // Closing stops the warm-up: it ends, and the (closed) server no longer waits for it.
        embedded.close();
        assertThat(embedded.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
    }

    @Test
    void readyOnceTheWarmUpHasFinished() throws Exception {
        server = counted(ServerOptions.builder().build());
        embedded = start(50);
        assertThat(embedded.awaitWarmUp(Duration.ofSeconds(60))).isTrue();
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(JSON.readTree(ready.body()).path("warm").asBoolean()).isTrue();
    }

    @Test
    void withoutWarmUpReadyAtOnce() throws Exception {
        server = counted(ServerOptions.builder().build());
        embedded = start(0);
        assertThat(embedded.isWarm()).isTrue();
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }
}
