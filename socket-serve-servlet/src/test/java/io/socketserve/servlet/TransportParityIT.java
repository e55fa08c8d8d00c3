package io.socketserve.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.DisconnectReason;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.StalledStream;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import io.socketserve.netty.testing.TransportFixture;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP behaviour that matters most, run against the embedded Netty server, Tomcat 11 and
 * Jetty 12 with the same client: a transport that behaves differently fails the same test. (The
 * whole Netty suites also run against Tomcat and Jetty, see this module's pom.)
 */
class TransportParityIT {

    static Stream<TransportFixture> transports() {
        return Stream.of(TransportFixture.NETTY, new TomcatFixture(), new JettyFixture());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void connectMessageAndStreamDelivery(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            ts.server().on("echo", (socket, data, ack) -> socket.emit("echo", data));
            TestClient c = ts.streamingClient();

            assertThat(c.emit("echo", "hi").status()).isEqualTo(200);

            assertThat(c.awaitEvent("echo").data().asText()).isEqualTo("hi");
            assertThat(c.lastEventId()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void streamCarriesTheSseAndProxyHeaders(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            HttpResult r = ts.connectedClient().tryOpenStream(Map.of(), Map.of());

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/event-stream");
            assertThat(r.header("Cache-Control")).isEqualTo("no-cache, no-transform");
            assertThat(r.header("X-Accel-Buffering")).isEqualTo("no");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.header("X-Socket-Serve-Protocol")).isEqualTo("1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void resumeWithLastEventIdDeliversWhatWasMissed(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            TestClient c = ts.streamingClient();
            var socket = ts.server().socket(c.id()).orElseThrow();
            socket.emit("n", 1).toCompletableFuture().join();
            c.awaitEvent("n");
            long seen = c.lastEventId();
            c.closeStream();
            socket.emit("n", 2).toCompletableFuture().join();
            socket.emit("n", 3).toCompletableFuture().join();
            c.frames().clear();

            c.openStream(seen);

            List<ReceivedFrame> missed = c.awaitEvents("n", 2);
            assertThat(missed).extracting(f -> f.data().asInt()).containsExactly(2, 3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void longPollIsAnsweredWhenAMessageArrives(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            TestClient c = ts.connectedClient();
            long after = c.poll().position();
            var socket = ts.server().socket(c.id()).orElseThrow();
            new Thread(() -> {
                        await().pollDelay(Duration.ofMillis(200)).until(() -> true);
                        socket.emit("later", "x");
                    })
                    .start();

            TestClient.PollResult p = c.poll(after, 5_000);

            assertThat(p.http().status()).isEqualTo(200);
            assertThat(p.events()).contains("later");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void corsPreflightAllowsListedOriginsAndRefusesOthers(TransportFixture transport) {
        String app = "https://app.example";
        try (TestServer ts = TestServer.start(transport, o -> o.allowedOrigins(List.of(app)))) {
            TestClient c = ts.client();
            HttpResult ok = c.raw(
                    "OPTIONS", "/socket/message", Map.of("Origin", app, "Access-Control-Request-Method", "POST"), null);
            HttpResult refused = c.raw(
                    "OPTIONS",
                    "/socket/message",
                    Map.of("Origin", "https://evil.example", "Access-Control-Request-Method", "POST"),
                    null);

            assertThat(ok.status()).isEqualTo(204);
            assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo(app);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.json().path("error").asText()).isEqualTo("origin_not_allowed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void oversizedBodyIs413WithTheJsonError(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o.maxPayloadBytes(1024))) {
            byte[] body = TestClient.json(Map.of("auth", Map.of("token", "t".repeat(2000))));

            HttpResult r = ts.client().rawPost("/connect", body, Map.of("Content-Type", "application/json"));

            assertThat(r.status()).isEqualTo(413);
            assertThat(r.json().path("error").asText()).isEqualTo("payload_too_large");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void unknownEndpointIs404Json(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            HttpResult r = ts.client().rawGet("/nope", Map.of());

            assertThat(r.status()).isEqualTo(404);
            assertThat(r.json().has("error")).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void browserClientIsServed(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            HttpResult r = ts.client().raw("GET", "/socket-serve.js", Map.of(), null);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/javascript");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("EventSource");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void largePollAnswerIsGzipped(TransportFixture transport) throws Exception {
        try (TestServer ts = TestServer.start(transport, o -> o)) {
            TestClient c = ts.connectedClient();
            var socket = ts.server().socket(c.id()).orElseThrow();
            for (int i = 0; i < 50; i++) {
                socket.emit("m", "message number " + i).toCompletableFuture().join();
            }

            HttpResult r = c.rawGet(
                    "/sse?transport=polling&after=0&sessionId=" + c.credential(), Map.of("Accept-Encoding", "gzip"));

            assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
            String json = new String(
                    new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json).contains("message number 49");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void idleStreamGetsKeepalives(TransportFixture transport) {
        try (TestServer ts = TestServer.start(transport, o -> o.keepaliveInterval(Duration.ofMillis(200)))) {
            TestClient c = ts.streamingClient();

            await().atMost(Duration.ofSeconds(5)).until(() -> c.keepalives() >= 2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aClientThatDoesNotReadIsCutOff(TransportFixture transport) throws Exception {
        try (TestServer ts = TestServer.start(transport, o -> o.maxStreamBufferBytes(64 * 1024))) {
            TestClient slow = ts.connectedClient();
            ts.server().on("join", (socket, data, ack) -> socket.join(data.asText()));
            slow.emit("join", "r");
            await().until(() -> ts.server().roomMembers("r").contains(slow.id()));
            try (StalledStream stalled = slow.openStalledStream(4096, Map.of())) {
                String pad = "x".repeat(16 * 1024);
                for (int i = 0; i < 300; i++) {
                    ts.server()
                            .to("r")
                            .emit("big", Map.of("i", i, "pad", pad))
                            .toCompletableFuture()
                            .join();
                }

                StalledStream.Drained drained = stalled.drain(Duration.ofSeconds(10));

                assertThat(drained.closedByServer()).isTrue();
                assertThat(drained.frames().size()).isLessThan(300);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aClientThatGoesAwayIsNoticedAndItsSessionEnds(TransportFixture transport) {
        List<DisconnectReason> ended = new CopyOnWriteArrayList<>();
        try (TestServer ts = TestServer.start(
                transport, o -> o.keepaliveInterval(Duration.ofMillis(200)).sessionTimeout(Duration.ofMillis(600)))) {
            ts.server().onDisconnect((socket, reason) -> ended.add(reason));
            TestClient c = ts.streamingClient();

            c.closeStream(); // the socket goes away without a word

            await().atMost(Duration.ofSeconds(10)).until(() -> !ended.isEmpty());
            assertThat(ended).hasSize(1);
        }
    }
}
