package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Authentication and authorization hooks under attack: connection middleware (a JWT verified with
 * HMAC-SHA256), event middleware, and the join authorizer. A rejection is a JSON error with the
 * hook's status and code, and leaves nothing behind.
 */
class AuthenticationIT {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-test-key".getBytes(StandardCharsets.US_ASCII);
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final HmacTokens tokens = new HmacTokens(KEY);
    private final InMemoryBackend backend = new InMemoryBackend();
    private final TestServer ts =
            TestServer.start(ServerOptions.builder().backend(backend).build());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger handled = new AtomicInteger();

    AuthenticationIT() {
        // The docs/security.md example: a bearer token in the client's auth payload (or the
        // Authorization header), verified before any session exists.
        ts.server().use(handshake -> {
            String token = handshake.auth().path("token").asText(null);
            String bearer = handshake.header("Authorization");
            if (token == null && bearer != null && bearer.startsWith("Bearer ")) {
                token = bearer.substring("Bearer ".length());
            }
            JsonNode claims = tokens.verify(token, Instant.now());
            handshake.attribute("userId", claims.get("sub").asText());
            handshake.attribute("role", claims.path("role").asText("user"));
        });
        ts.server().useEvents((socket, event, data) -> {
            if (event.startsWith("admin:")
                    && !"admin".equals(socket.attributes().get("role"))) {
                throw new SocketServeException("forbidden", "admins only", 403);
            }
        });
        ts.server()
                .authorizeJoin((socket, room) -> !room.startsWith("private:")
                        || room.equals("private:" + socket.attributes().get("userId")));
        ts.server().onConnection(socket -> connections.incrementAndGet());
        ts.server().on("whoami", (socket, data, ack) -> ack.send(socket.attributes()));
        ts.server().on("admin:wipe", (socket, data, ack) -> {
            handled.incrementAndGet();
            ack.send("wiped");
        });
        ts.server().on("join", (socket, data, ack) -> {
            socket.join(data.asText());
            ack.send(socket.rooms());
        });
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private String token(String user, String role) {
        return tokens.mint(user, Map.of("role", role), Instant.now().plusSeconds(60));
    }

    private TestClient connectedAs(String user, String role) {
        TestClient c = ts.client();
        c.connect(Map.of("auth", Map.of("token", token(user, role))));
        return c;
    }

    private HttpResult connectRaw(Object body, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(JSON);
        h.putAll(headers);
        return ts.client().rawPost("/connect", TestClient.json(body), h);
    }

    private long sessions() throws Exception {
        return backend.sessionCount().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static void assertError(HttpResult r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        assertThat(r.error()).as("error of %s", r).isEqualTo(code);
        assertThat(r.message()).as("message of %s", r).isNotBlank();
    }

    private static String tamper(String token) {
        String[] parts = token.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"user\"", "\"admin\"");
        return parts[0] + "."
                + java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
    }

    // ----------------------------------------------------------------------- connection middleware

    @Test
    void handshakeWithoutTokenIs401JsonAndLeavesNoSession() throws Exception {
        HttpResult r = connectRaw(Map.of(), Map.of());

        assertError(r, 401, "unauthorized");
        assertThat(r.json().has("sessionId")).isFalse();
        assertThat(sessions()).isZero();
        assertThat(connections).hasValue(0);
    }

    @Test
    void handshakeWithGarbageTokenIs401AndLeavesNoSession() throws Exception {
        for (String bad : List.of("", "x", "a.b.c", "..", HmacTokens.HEADER + ".e30.", "é".repeat(5000))) {
            assertError(connectRaw(Map.of("auth", Map.of("token", bad)), Map.of()), 401, "unauthorized");
        }

        assertThat(sessions()).isZero();
        assertThat(connections).hasValue(0);
    }

    @Test
    void validTokenConnectsAndItsClaimsReachHandlersAsAttributes() {
        TestClient ada = connectedAs("ada", "user");

        HttpResult r = ada.emitWithAck("whoami", null, true).response();

        assertThat(r.json().path("ack").path("userId").asText()).isEqualTo("ada");
        assertThat(r.json().path("ack").path("role").asText()).isEqualTo("user");
        assertThat(ts.server().socket(ada.id()).orElseThrow().attributes()).containsEntry("userId", "ada");
    }

    @Test
    void bearerTokenInTheAuthorizationHeaderIsAccepted() {
        HttpResult r = connectRaw(Map.of(), Map.of("Authorization", "Bearer " + token("bob", "user")));

        assertThat(r.status()).isEqualTo(200);
        assertThat(ts.server()
                        .socket(r.json().path("id").asText())
                        .orElseThrow()
                        .attributes())
                .containsEntry("userId", "bob");
    }

    @Test
    void expiredTokenIs401() throws Exception {
        String expired = tokens.mint("ada", Map.of(), Instant.now().minusSeconds(1));

        assertError(connectRaw(Map.of("auth", Map.of("token", expired)), Map.of()), 401, "unauthorized");
        assertThat(sessions()).isZero();
    }

    @Test
    void tamperedClaimsAre401() throws Exception {
        String forged = tamper(tokens.mint("user", Map.of(), Instant.now().plusSeconds(60)));

        assertError(connectRaw(Map.of("auth", Map.of("token", forged)), Map.of()), 401, "unauthorized");
        assertThat(sessions()).isZero();
    }

    @Test
    void tokenSignedWithAnotherKeyIs401() {
        String other = new HmacTokens("another-key-another-key-another-key!".getBytes(StandardCharsets.US_ASCII))
                .mint("ada", Map.of("role", "admin"), Instant.now().plusSeconds(60));

        assertError(connectRaw(Map.of("auth", Map.of("token", other)), Map.of()), 401, "unauthorized");
    }

    @Test
    void unsignedAlgNoneTokenIs401() {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"ada\",\"role\":\"admin\",\"exp\":"
                                + (Instant.now().getEpochSecond() + 60) + "}")
                        .getBytes(StandardCharsets.UTF_8))
                + ".";

        assertError(connectRaw(Map.of("auth", Map.of("token", none)), Map.of()), 401, "unauthorized");
    }

    @Test
    void clientCannotSetAttributesThroughTheConnectBody() {
        TestClient c = ts.client();
        c.connect(Map.of(
                "auth", Map.of("token", token("eve", "user"), "role", "admin", "userId", "root"),
                "attributes", Map.of("role", "admin"),
                "sessionData", Map.of("role", "admin")));

        assertThat(ts.server().socket(c.id()).orElseThrow().attributes())
                .containsEntry("userId", "eve")
                .containsEntry("role", "user");
    }

    @Test
    void middlewareFailingUnexpectedlyIs403HandshakeFailedAndLeavesNoSession() throws Exception {
        InMemoryBackend otherBackend = new InMemoryBackend();
        try (TestServer other =
                TestServer.start(ServerOptions.builder().backend(otherBackend).build())) {
            other.server().use(handshake -> {
                throw new io.socketserve.testing.ExpectedFailure("token service down");
            });

            HttpResult r = other.client().rawPost("/connect", new byte[0], JSON);

            assertError(r, 403, "handshake_failed");
            assertThat(r.message()).doesNotContain("token service down");
            assertThat(otherBackend.sessionCount().toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isZero();
        }
    }

    @Test
    void firstRejectingMiddlewareWinsAndLaterOnesDoNotRun() {
        AtomicInteger later = new AtomicInteger();
        ts.server().use(handshake -> later.incrementAndGet());

        assertError(connectRaw(Map.of(), Map.of()), 401, "unauthorized");
        assertThat(later).hasValue(0);
    }

    // ---------------------------------------------------------------------------- event middleware

    @Test
    void eventMiddlewareRejectionAnswersThePostWithItsStatusAndCode() {
        TestClient user = connectedAs("ada", "user");

        HttpResult r = user.emit("admin:wipe", null);

        assertError(r, 403, "forbidden");
        assertThat(handled).hasValue(0);
    }

    @Test
    void eventMiddlewareRejectionReachesAnAckInTheResponse() {
        TestClient user = connectedAs("ada", "user");

        HttpResult r = user.emitWithAck("admin:wipe", null, true).response();

        assertError(r, 403, "forbidden");
        assertThat(handled).hasValue(0);
    }

    @Test
    void eventMiddlewareRejectionReachesAnAckAsAnAckFrame() {
        TestClient user = connectedAs("ada", "user");
        user.openStream();

        TestClient.Emitted sent = user.emitWithAck("admin:wipe", null);
        ReceivedFrame ack = user.awaitAck(sent.messageId());

        assertThat(sent.response().status()).isEqualTo(403);
        assertThat(ack.json().path("error").path("error").asText()).isEqualTo("forbidden");
        assertThat(ack.json().has("data")).as("no success answer in %s", ack).isFalse();
        assertThat(handled).hasValue(0);
    }

    @Test
    void eventMiddlewareLetsAuthorizedEventsThrough() {
        TestClient admin = connectedAs("root", "admin");

        HttpResult r = admin.emitWithAck("admin:wipe", null, true).response();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("ack").asText()).isEqualTo("wiped");
        assertThat(handled).hasValue(1);
    }

    // ----------------------------------------------------------------------------- join authorizer

    @Test
    void deniedJoinIs403ForbiddenRoomAndNoMembership() {
        TestClient eve = connectedAs("eve", "user");

        HttpResult r = eve.emitWithAck("join", "private:ada", true).response();

        assertError(r, 403, "forbidden_room");
        assertThat(ts.server().roomMembers("private:ada")).isEmpty();
        assertThat(ts.server().socketRooms(eve.id())).isEmpty();
    }

    @Test
    void deniedJoinReachesAnAckFrameAsAnError() {
        TestClient eve = connectedAs("eve", "user");
        eve.openStream();

        TestClient.Emitted sent = eve.emitWithAck("join", "private:ada");

        assertThat(sent.response().status()).isEqualTo(403);
        assertThat(eve.awaitAck(sent.messageId())
                        .json()
                        .path("error")
                        .path("error")
                        .asText())
                .isEqualTo("forbidden_room");
    }

    @Test
    void authorizedJoinSucceeds() {
        TestClient ada = connectedAs("ada", "user");

        HttpResult r = ada.emitWithAck("join", "private:ada", true).response();

        assertThat(r.status()).isEqualTo(200);
        assertThat(ts.server().roomMembers("private:ada")).containsExactly(ada.id());
    }

    @Test
    void authorizerThatThrowsDeniesTheJoin() {
        ts.server().authorizeJoin((socket, room) -> {
            throw new IllegalStateException("acl store down");
        });
        TestClient ada = connectedAs("ada", "user");

        HttpResult r = ada.emitWithAck("join", "lobby", true).response();

        assertError(r, 403, "forbidden_room");
        assertThat(ts.server().roomMembers("lobby")).isEmpty();
    }
}
