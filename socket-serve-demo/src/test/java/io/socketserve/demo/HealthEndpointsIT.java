package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health/live} and {@code /health/ready} of the embedded server (issue 18): ready follows
 * the backend, with details and no internal address; live stays up; both can be turned off.
 */
class HealthEndpointsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private RedisServerProcess redis;
    private SocketServer server;
    private EmbeddedServer embedded;

    @AfterEach
    void stop() {
        if (embedded != null) {
            embedded.halt();
        }
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private void start(boolean healthChecks) {
        redis = new RedisServerProcess().start();
        server = SocketServer.create(ServerOptions.builder()
                .backend(new RedisBackend(RedisBackendOptions.builder()
                        .uri(redis.uri())
                        .commandTimeout(Duration.ofMillis(500))
                        .build()))
                .backendTimeout(Duration.ofSeconds(1))
                .build());
        embedded = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .healthChecks(healthChecks)
                .warmUp(0) // readiness after a warm-up: WarmUpIT
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
    void readyFollowsTheBackendAndLiveStaysUp() throws Exception {
        start(true);
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(live.body()).path("status").asText()).isEqualTo("UP");
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode up = JSON.readTree(ready.body());
        assertThat(up.path("status").asText()).isEqualTo("UP");
        assertThat(up.path("backendReachable").asBoolean()).isTrue();
        assertThat(up.path("readerStalled").asBoolean()).isFalse();
        assertThat(up.path("draining").asBoolean()).isFalse();
        assertThat(up.has("logHead")).isTrue();
        assertThat(ready.headers().firstValue("Cache-Control")).hasValue("no-store");

        redis.kill();
        HttpResponse<String> down = get("/health/ready");
        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
        JsonNode d = JSON.readTree(down.body());
        assertThat(d.path("status").asText()).isEqualTo("DOWN");
        assertThat(d.path("backendReachable").asBoolean()).isFalse();
        assertThat(d.path("problem").asText()).isEqualTo("the backend does not answer");
        assertThat(down.body()).doesNotContain("redis://").doesNotContain("127.0.0.1:" + redis.port());
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        redis.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> get("/health/ready").statusCode() == 200);
    }

    @Test
    void healthChecksCanBeTurnedOff() throws Exception {
        start(false);
        assertThat(get("/health/live").statusCode()).isEqualTo(404);
        assertThat(get("/health/ready").statusCode()).isEqualTo(404);
    }

    @Test
    void theDemoAlwaysServesMetricsAndHealth() throws Exception {
        try (DemoServer.Running demo = DemoServer.start("127.0.0.1", 0)) {
            HttpResponse<String> connect = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + "/socket/connect"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .header("Content-Type", "application/json")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(connect.statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
            assertThat(metrics.body())
                    .contains("socketserve_connects_total{backend=\"memory\"} 1.0")
                    .contains("socketserve_sessions_active{backend=\"memory\",transport=\"sse\"} 0.0")
                    .contains("jvm_memory_used_bytes");
            HttpResponse<String> ready = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + "/health/ready"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
        }
    }
}
