package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acting as another session: with its public id (which every room member sees), with its public id
 * and a forged secret, with malformed, expired or disconnected credentials, on every endpoint
 * (POST, SSE, polling, disconnect). Every attempt is a 4xx and changes nothing for the victim.
 */
class CredentialIT {

    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TestServer ts = TestServer.start();
    private final List<String> handledBy = new CopyOnWriteArrayList<>();
    private TestClient victim;
    private TestClient attacker;
    private TestClient bystander;

    @BeforeEach
    void setUp() {
        ts.server().on("join", (socket, data, ack) -> {
            handledBy.add(socket.id());
            socket.join(data.asText());
        });
        ts.server().on("leave", (socket, data, ack) -> {
            handledBy.add(socket.id());
            socket.leave(data.asText());
        });
        ts.server().on("say", (socket, data, ack) -> {
            handledBy.add(socket.id());
            socket.broadcastToRoom("r", "said", data);
        });
        ts.server().on("set", (socket, data, ack) -> {
            handledBy.add(socket.id());
            socket.data().set("k", data.asText());
        });
        victim = ts.streamingClient();
        attacker = ts.streamingClient();
        bystander = ts.streamingClient();
        for (TestClient c : List.of(victim, attacker, bystander)) {
            assertThat(c.emit("join", "r").status()).isEqualTo(200);
        }
        assertThat(victim.emit("set", "mine").status()).isEqualTo(200);
        handledBy.clear();
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static void assertError(HttpResult r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        assertThat(r.error()).as("error of %s", r).isEqualTo(code);
        assertThat(r.message()).as("message of %s", r).isNotBlank();
    }

    /** The attacker's requests on all four endpoints, all expected to fail with {@code status/code}. */
    private void assertEveryEndpointRefuses(String credential, int status, String code) {
        for (TestClient as : List.of(
                ts.track(attacker.withCredential(credential)),
                ts.track(attacker.withCredential(credential).useHeaderCredential()))) {
            assertError(as.emit("say", "as the victim"), status, code);
            assertError(as.emit("leave", "r"), status, code);
            assertError(as.tryOpenStream(Map.of(), Map.of()), status, code);
            assertError(as.poll().http(), status, code);
            assertError(as.poll(0, 0).http(), status, code);
            assertError(as.disconnect(), status, code);
        }
    }

    /** Nothing happened to the victim, and nothing reached anyone. */
    private void assertNoSideEffects() {
        assertThat(handledBy).as("handlers run").isEmpty();
        assertThat(ts.server().socket(victim.id())).as("victim session").isPresent();
        assertThat(ts.server().socketRooms(victim.id())).containsExactly("r");
        assertThat(ts.server().socket(victim.id()).orElseThrow().data().get("k", String.class))
                .isEqualTo("mine");
        assertThat(victim.streamOpen()).as("victim's stream still open").isTrue();
        // A marker sent now must be the next frame everyone sees: nothing was delivered before it.
        ts.server().to("r").emit("marker", 1).toCompletableFuture().join();
        for (TestClient c : List.of(victim, attacker, bystander)) {
            assertThat(c.frames().next(Duration.ofSeconds(5)).event()).isEqualTo("marker");
        }
    }

    private static String secretOf(TestClient c) {
        return c.credential().substring(c.credential().indexOf('.') + 1);
    }

    private static String randomSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    // ------------------------------------------------------------------------------- public id

    @Test
    void publicIdOfARoomMateIsNoCredentialAnywhere() {
        // The attacker learnt the victim's public id from a room frame.
        ts.server().to("r").emit("hello", "x").toCompletableFuture().join();
        victim.awaitEvent("hello");
        bystander.awaitEvent("hello");
        victim.emit("say", "hi");
        ReceivedFrame said = attacker.awaitEvent("said");
        victim.awaitEvent("said");
        bystander.awaitEvent("said");
        attacker.awaitEvent("hello");
        assertThat(said.sessionId()).isEqualTo(victim.id());
        handledBy.clear();

        assertEveryEndpointRefuses(said.sessionId(), 400, "invalid_session_id");

        assertNoSideEffects();
    }

    @Test
    void publicIdInTheBodyNextToTheAttackersOwnHeaderCredentialActsAsTheAttacker() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessionId", victim.id());
        body.put("event", "set");
        body.put("data", "overwritten");
        Map<String, String> headers = new LinkedHashMap<>(JSON);
        headers.put("X-Socket-Serve-Session", attacker.credential());

        HttpResult r = attacker.rawPost("/message", TestClient.json(body), headers);

        assertThat(r.status()).isEqualTo(200);
        assertThat(handledBy).containsExactly(attacker.id());
        assertThat(ts.server().socket(victim.id()).orElseThrow().data().get("k", String.class))
                .isEqualTo("mine");
    }

    // --------------------------------------------------------------------------------- forged

    @Test
    void victimsIdWithTheAttackersOwnSecretIs403() {
        assertEveryEndpointRefuses(victim.id() + "." + secretOf(attacker), 403, "forbidden");

        assertNoSideEffects();
    }

    @Test
    void victimsIdWithARandomSecretIs403() {
        for (int i = 0; i < 3; i++) {
            assertEveryEndpointRefuses(victim.id() + "." + randomSecret(), 403, "forbidden");
        }

        assertNoSideEffects();
    }

    @Test
    void secretDifferingInOneCharacterIs403() {
        String c = victim.credential();
        for (int i : List.of(c.indexOf('.') + 1, c.length() / 2 + 10, c.length() - 1)) {
            char flipped = c.charAt(i) == 'A' ? 'B' : 'A';
            assertEveryEndpointRefuses(c.substring(0, i) + flipped + c.substring(i + 1), 403, "forbidden");
        }

        assertNoSideEffects();
    }

    // ------------------------------------------------------------------------------ malformed

    @Test
    void truncatedCredentialIs400() {
        String c = victim.credential();
        for (String bad : List.of(c.substring(0, c.length() - 1), c.substring(0, 17), c.substring(0, 16))) {
            assertEveryEndpointRefuses(bad, 400, "invalid_session_id");
        }

        assertNoSideEffects();
    }

    @Test
    void overlongCredentialIs400() {
        String c = victim.credential();
        for (String bad : List.of(c + "A", c + "." + secretOf(victim), c + "x".repeat(2000))) {
            assertEveryEndpointRefuses(bad, 400, "invalid_session_id");
        }

        assertNoSideEffects();
    }

    @Test
    void garbageCredentialIs400() {
        String id = victim.id();
        String secret = secretOf(victim);
        for (String bad : List.of(
                id + ":" + secret,
                id + "." + secret.substring(1) + "=",
                id + "." + secret.substring(1) + "/",
                "../" + id.substring(3) + "." + secret,
                id + "." + secret.substring(0, 42) + "é",
                id + "." + secret.substring(0, 42) + "\u0000",
                "null",
                "undefined")) {
            assertEveryEndpointRefusesWithoutHeader(bad, 400, "invalid_session_id");
        }

        assertNoSideEffects();
    }

    /** Garbage that cannot travel in a header (non-ASCII, NUL): body and query only. */
    private void assertEveryEndpointRefusesWithoutHeader(String credential, int status, String code) {
        TestClient as = ts.track(attacker.withCredential(credential));
        assertError(as.emit("say", "as the victim"), status, code);
        assertError(as.tryOpenStream(Map.of(), Map.of()), status, code);
        assertError(as.poll().http(), status, code);
        assertError(as.disconnect(), status, code);
    }

    @Test
    void emptyCredentialIs400() {
        TestClient as = ts.track(attacker.withCredential(""));
        for (HttpResult r : List.of(
                as.emit("say", "x"),
                as.tryOpenStream(Map.of(), Map.of()),
                as.poll().http(),
                as.disconnect())) {
            assertThat(r.status()).as("answer %s", r).isEqualTo(400);
            assertThat(r.error()).isIn("missing_field", "invalid_session_id");
        }
        assertError(
                attacker.rawPost(
                        "/message", "{\"sessionId\":\"\",\"event\":\"say\"}".getBytes(StandardCharsets.UTF_8), JSON),
                400,
                "invalid_session_id");

        assertNoSideEffects();
    }

    @Test
    void credentialOfTheWrongJsonTypeIs400() {
        for (String value :
                List.of("123", "true", "[\"" + victim.credential() + "\"]", "{\"id\":\"" + victim.id() + "\"}")) {
            byte[] body =
                    ("{\"sessionId\":" + value + ",\"event\":\"say\",\"data\":1}").getBytes(StandardCharsets.UTF_8);

            assertError(attacker.rawPost("/message", body, JSON), 400, "invalid_field");
        }

        assertNoSideEffects();
    }

    // ------------------------------------------------------------------------ expired and gone

    @Test
    void disconnectedSessionsCredentialIs404Everywhere() {
        TestClient gone = ts.connectedClient();
        String credential = gone.credential();
        assertThat(gone.disconnect().status()).isEqualTo(200);

        assertEveryEndpointRefuses(credential, 404, "unknown_session");
        assertThat(ts.server().socket(gone.id())).isEmpty();
    }

    @Test
    void expiredSessionsCredentialIs404Everywhere() {
        try (TestServer quick = TestServer.start(
                o -> o.sessionTimeout(Duration.ofMillis(600)).expirySweepInterval(Duration.ofMillis(100)))) {
            TestClient idle = quick.connectedClient();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> quick.server().socket(idle.id()).isEmpty());

            TestClient as = quick.track(idle.withCredential(idle.credential()));
            assertError(as.emit("say", "x"), 404, "unknown_session");
            assertError(as.tryOpenStream(Map.of(), Map.of()), 404, "unknown_session");
            assertError(as.poll().http(), 404, "unknown_session");
            assertError(as.disconnect(), 404, "unknown_session");
        }
    }

    @Test
    void forgedAttemptsDoNotKeepAnIdleSessionAlive() {
        try (TestServer quick = TestServer.start(
                o -> o.sessionTimeout(Duration.ofMillis(800)).expirySweepInterval(Duration.ofMillis(100)))) {
            TestClient idle = quick.connectedClient();
            TestClient forger = quick.track(idle.withCredential(idle.id() + "." + randomSecret()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);

            while (quick.server().socket(idle.id()).isPresent() && System.nanoTime() < deadline) {
                // 404 once the session has expired between the check and the request.
                assertThat(forger.poll().http().status()).isIn(403, 404);
                assertThat(forger.emit("say", "x").status()).isIn(403, 404);
            }

            assertThat(quick.server().socket(idle.id()))
                    .as("expired despite the forger")
                    .isEmpty();
        }
    }

    @Test
    void forgedPollDoesNotMoveTheVictimsCursor() {
        TestClient poller = ts.connectedClient();
        ts.server().socket(poller.id()).orElseThrow().emit("private", "for the poller only");
        TestClient forger = ts.track(poller.withCredential(poller.id() + "." + randomSecret()));

        assertThat(forger.poll().http().status()).isEqualTo(403);
        assertThat(forger.receivedText()).doesNotContain("for the poller only");

        assertThat(poller.poll().events()).containsExactly("private");
    }

    // -------------------------------------------------------------------------------- acks

    @Test
    void anotherSessionCannotAnswerAServerAcknowledgement() throws Exception {
        CompletableFuture<JsonNode> answer = ts.server()
                .socket(victim.id())
                .orElseThrow()
                .emitWithAck("question", "ready?", Duration.ofSeconds(10))
                .toCompletableFuture();
        ReceivedFrame question = victim.awaitEvent("question");

        HttpResult forged = attacker.answerAck(question.messageId(), "attacker's answer");
        assertThat(forged.status()).isLessThan(500);
        assertThat(answer).isNotDone();
        assertThat(victim.answerAck(question.messageId(), "victim's answer").status())
                .isEqualTo(200);

        assertThat(answer.get(5, TimeUnit.SECONDS).asText()).isEqualTo("victim's answer");
    }

    // ---------------------------------------------------------------------------- identities

    @Test
    void credentialsCarry256RandomBitsAndAreNotThePublicId() {
        Set<String> secrets = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            TestClient c = ts.connectedClient();
            String secret = secretOf(c);
            assertThat(c.credential()).startsWith(c.id() + ".");
            assertThat(secret).doesNotContain(c.id());
            assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
            assertThat(Base64.getUrlDecoder().decode(c.id())).hasSizeGreaterThanOrEqualTo(12);
            secrets.add(secret);
            ids.add(c.id());
        }

        assertThat(secrets).hasSize(40);
        assertThat(ids).hasSize(40);
    }
}
