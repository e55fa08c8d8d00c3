package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every bad request gets a 4xx with a JSON body {@code {"error":code,"message":…}}, never a 500,
 * and leaves the server serving: after each test a well-behaved client still works.
 */
class ErrorsIT {

    private static final int MAX_PAYLOAD = 4096;
    private static final String ORIGIN = "http://example.test";
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final TestServer ts = TestServer.start(
            o -> o.maxPayloadBytes(MAX_PAYLOAD).maxJsonDepth(32).allowedOrigins(List.of(ORIGIN)));
    private TestClient c;

    @BeforeEach
    void connect() {
        ts.server().on("echo", (s, d, a) -> s.emit("echoed", d));
        c = ts.connectedClient();
    }

    @AfterEach
    void serverStillServes() {
        try {
            assertThat(c.statuses()).as("statuses seen").allSatisfy(s -> assertThat(s)
                    .isLessThan(500));
            TestClient good = ts.streamingClient();
            assertThat(good.emit("echo", "still here").status()).isEqualTo(200);
            assertThat(good.awaitEvent("echoed").data().asText()).isEqualTo("still here");
            assertThat(good.statuses()).allSatisfy(s -> assertThat(s).isLessThan(500));
        } finally {
            ts.close();
        }
    }

    private static void assertError(HttpResult r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        assertThat(r.error()).as("error of %s", r).isEqualTo(code);
        assertThat(r.message()).as("message of %s", r).isNotBlank();
    }

    private HttpResult postMessage(byte[] body) {
        return c.rawPost("/message", body, JSON);
    }

    private HttpResult postMessage(Map<String, Object> body) {
        return postMessage(TestClient.json(body));
    }

    private Map<String, Object> message(String event) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessionId", c.credential());
        body.put("event", event);
        return body;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String wrongSecret(String credential) {
        char last = credential.charAt(credential.length() - 1);
        return credential.substring(0, credential.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    // --------------------------------------------------------------------------------- body / JSON

    @Test
    void malformedJsonIs400InvalidJson() {
        assertError(postMessage(utf8("{\"sessionId\":")), 400, "invalid_json");
    }

    @Test
    void invalidUtf8Is400InvalidJson() {
        byte[] body = utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"data\":\"__\"}");
        int i = new String(body, StandardCharsets.UTF_8).indexOf("__");
        body[i] = (byte) 0xC3; // a lead byte followed by '_' is not UTF-8
        body[i + 1] = (byte) 0xFF;

        assertError(postMessage(body), 400, "invalid_json");
    }

    @Test
    void jsonThatIsNotAnObjectIs400() {
        assertError(postMessage(utf8("[1,2,3]")), 400, "invalid_json");
        assertError(postMessage(utf8("\"echo\"")), 400, "invalid_json");
        assertError(postMessage(utf8("null")), 400, "invalid_json");
    }

    @Test
    void emptyMessageBodyIs400() {
        assertError(postMessage(new byte[0]), 400, "invalid_json");
    }

    @Test
    void trailingGarbageAfterTheObjectIs400() {
        assertError(postMessage(utf8("{\"event\":\"echo\"} {}")), 400, "invalid_json");
    }

    @Test
    void duplicateKeysAre400() {
        assertError(postMessage(utf8("{\"event\":\"echo\",\"event\":\"other\"}")), 400, "invalid_json");
    }

    @Test
    void tooDeepNestingIs400() {
        String deep = "[".repeat(100) + "]".repeat(100);
        byte[] body = utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"data\":" + deep + "}");

        assertError(postMessage(body), 400, "invalid_json");
    }

    @Test
    void nestingWithinTheLimitIsAccepted() {
        String ok = "[".repeat(20) + "]".repeat(20);
        byte[] body = utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"data\":" + ok + "}");

        assertThat(postMessage(body).status()).isEqualTo(200);
    }

    @Test
    void bodyOverMaxPayloadIs413WithJson() {
        Map<String, Object> body = message("echo");
        body.put("data", "x".repeat(MAX_PAYLOAD));

        assertError(postMessage(body), 413, "payload_too_large");
    }

    @Test
    void bodyJustUnderMaxPayloadIsAccepted() {
        Map<String, Object> body = message("echo");
        body.put("data", "x".repeat(MAX_PAYLOAD - 200));

        assertThat(postMessage(body).status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------------------------- fields

    @Test
    void missingEventIs400MissingField() {
        HttpResult r = postMessage(Map.of("sessionId", c.credential(), "data", 1));

        assertError(r, 400, "missing_field");
        assertThat(r.message()).contains("event");
    }

    @Test
    void eventOfTheWrongTypeIs400InvalidField() {
        HttpResult r = postMessage(Map.of("sessionId", c.credential(), "event", 42));

        assertError(r, 400, "invalid_field");
        assertThat(r.message()).contains("event");
    }

    @Test
    void requiresAckOfTheWrongTypeIs400InvalidField() {
        Map<String, Object> body = message("echo");
        body.put("requiresAck", "yes");
        body.put("messageId", "m1");

        HttpResult r = postMessage(body);

        assertError(r, 400, "invalid_field");
        assertThat(r.message()).contains("requiresAck");
    }

    @Test
    void sessionIdOfTheWrongTypeIs400InvalidField() {
        assertError(postMessage(Map.of("sessionId", 12345, "event", "echo")), 400, "invalid_field");
    }

    @Test
    void emptyOrOverlongEventNameIs400InvalidField() {
        assertError(postMessage(message("")), 400, "invalid_field");
        assertError(postMessage(message("e".repeat(1000))), 400, "invalid_field");
    }

    @Test
    void ackRequestWithoutMessageIdIs400MissingField() {
        Map<String, Object> body = message("echo");
        body.put("requiresAck", true);

        assertError(postMessage(body), 400, "missing_field");
    }

    @Test
    void overlongMessageIdIs400InvalidField() {
        Map<String, Object> body = message("echo");
        body.put("requiresAck", true);
        body.put("messageId", "m".repeat(65));

        assertError(postMessage(body), 400, "invalid_field");
    }

    // ----------------------------------------------------------------------------- credentials

    @Test
    void missingSessionIdIs400MissingField() {
        assertError(postMessage(Map.of("event", "echo")), 400, "missing_field");
        assertError(c.rawPost("/disconnect", utf8("{}"), JSON), 400, "missing_field");
        assertError(c.rawGet("/sse", Map.of()), 400, "missing_field");
        assertError(c.rawGet("/sse?transport=polling", Map.of()), 400, "missing_field");
    }

    @Test
    void malformedCredentialIs400InvalidSessionId() {
        for (String bad : List.of("abc", c.credential() + "x", c.credential().replace('.', '-'), "")) {
            Map<String, Object> body = message("echo");
            body.put("sessionId", bad);
            HttpResult r = postMessage(body);
            if (bad.isEmpty()) {
                assertThat(r.status()).as("empty credential").isEqualTo(400);
            } else {
                assertError(r, 400, "invalid_session_id");
            }
        }
    }

    @Test
    void publicIdUsedAsCredentialIs400InvalidSessionId() {
        Map<String, Object> body = message("echo");
        body.put("sessionId", c.id());

        assertError(postMessage(body), 400, "invalid_session_id");
        assertError(c.withCredential(c.id()).tryOpenStream(Map.of(), Map.of()), 400, "invalid_session_id");
    }

    @Test
    void wellFormedUnknownCredentialIs404UnknownSession() {
        TestClient ghost = ts.track(c.withCredential("AAAAAAAAAAAAAAAA." + "B".repeat(43)));

        assertError(ghost.emit("echo", 1), 404, "unknown_session");
        assertError(ghost.tryOpenStream(Map.of(), Map.of()), 404, "unknown_session");
        assertError(ghost.poll().http(), 404, "unknown_session");
        assertError(ghost.disconnect(), 404, "unknown_session");
    }

    @Test
    void rightPublicIdWithWrongSecretIs403Forbidden() {
        TestClient forger = ts.track(c.withCredential(wrongSecret(c.credential())));

        assertError(forger.emit("echo", 1), 403, "forbidden");
        assertError(forger.tryOpenStream(Map.of(), Map.of()), 403, "forbidden");
        assertError(forger.poll().http(), 403, "forbidden");
        assertError(forger.disconnect(), 403, "forbidden");
        assertThat(ts.server().socket(c.id())).isPresent();
    }

    @Test
    void wrongSecretInTheHeaderIs403Forbidden() {
        TestClient forger =
                ts.track(c.withCredential(wrongSecret(c.credential())).useHeaderCredential());

        assertError(forger.emit("echo", 1), 403, "forbidden");
    }

    @Test
    void disconnectedSessionIs404() {
        c.disconnect();

        assertError(c.emit("echo", 1), 404, "unknown_session");
        assertError(c.tryOpenStream(Map.of(), Map.of()), 404, "unknown_session");
        assertError(c.poll().http(), 404, "unknown_session");
    }

    // ------------------------------------------------------------------------------- routing

    @Test
    void wrongMethodIs405WithAllow() {
        HttpResult get = c.rawGet("/message", Map.of());
        assertError(get, 405, "method_not_allowed");
        assertThat(get.header("Allow")).isEqualTo("POST");

        HttpResult post = c.rawPost("/sse", utf8("{}"), JSON);
        assertError(post, 405, "method_not_allowed");
        assertThat(post.header("Allow")).isEqualTo("GET");

        HttpResult put = c.raw("PUT", "/socket/connect", JSON, utf8("{}"));
        assertError(put, 405, "method_not_allowed");
        assertThat(put.header("Allow")).isEqualTo("POST");
    }

    @Test
    void unknownPathUnderTheBaseIs404NotFound() {
        assertError(c.rawGet("/nope", Map.of()), 404, "not_found");
        assertError(c.rawPost("/messages", utf8("{}"), JSON), 404, "not_found");
        assertError(c.rawGet("", Map.of()), 404, "not_found");
    }

    @Test
    void unknownPathOutsideTheBaseIs404NotFound() {
        assertError(c.raw("GET", "/elsewhere", Map.of(), null), 404, "not_found");
        HttpResult above = c.raw("GET", "/../etc/passwd", Map.of(), null);
        if (ts.transport().refusesPathsAboveTheRoot()) {
            assertError(above, 400, "bad_request");
        } else {
            assertError(above, 404, "not_found");
        }
    }

    @Test
    void badLastEventIdIs400InvalidLastEventId() {
        assertError(c.tryOpenStream(Map.of(), Map.of("Last-Event-ID", "abc")), 400, "invalid_last_event_id");
        assertError(c.tryOpenStream(Map.of(), Map.of("Last-Event-ID", "-5")), 400, "invalid_last_event_id");
        assertError(c.tryOpenStream(Map.of("lastEventId", "1e3"), Map.of()), 400, "invalid_last_event_id");
        assertError(
                c.tryOpenStream(Map.of(), Map.of("Last-Event-ID", "99999999999999999999")),
                400,
                "invalid_last_event_id");
    }

    @Test
    void lastEventIdBeyondTheLogIsEventually400() {
        // A short session timeout makes the engine's heartbeat (which re-examines parked resumes) run
        // every second instead of every ten.
        try (TestServer quick = TestServer.start(o -> o.sessionTimeout(Duration.ofSeconds(3)))) {
            TestClient q = quick.connectedClient();

            HttpResult r = q.tryOpenStream(Map.of(), Map.of("Last-Event-ID", "999999999"));

            assertError(r, 400, "invalid_last_event_id");
        }
    }

    @Test
    void lastEventIdBeyondTheLogIsAnsweredPromptly() {
        long t0 = System.nanoTime();
        HttpResult r = c.tryOpenStream(Map.of(), Map.of("Last-Event-ID", "999999999"));

        assertError(r, 400, "invalid_last_event_id");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void badPollParametersAre400() {
        String q = "/sse?transport=polling&sessionId=" + c.credential();
        assertError(c.rawGet(q + "&after=x", Map.of()), 400, "invalid_last_event_id");
        assertError(c.rawGet(q + "&wait=soon", Map.of()), 400, "invalid_field");
    }

    @Test
    void oversizedHeadersAreRejectedWithJson() {
        HttpResult r = c.rawGet("/sse", Map.of("X-Big", "x".repeat(40 * 1024)));

        assertThat(r.status()).isIn(400, 413, 431);
        assertThat(r.error()).isNotNull();
    }

    @Test
    void overlongRequestLineIsRejectedWithJson() {
        HttpResult r = c.rawGet("/sse?pad=" + "x".repeat(20 * 1024), Map.of());

        assertThat(r.status()).isIn(400, 414);
        assertThat(r.error()).isNotNull();
    }

    // ----------------------------------------------------------------------------------- CORS

    @Test
    void preflightFromAnAllowedOriginGetsTheAllowHeaders() {
        HttpResult r = c.raw(
                "OPTIONS",
                "/socket/message",
                Map.of(
                        "Origin", ORIGIN,
                        "Access-Control-Request-Method", "POST",
                        "Access-Control-Request-Headers", "content-type, x-socket-serve-session"),
                null);

        assertThat(r.status()).isIn(200, 204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST").contains("GET");
        assertThat(r.header("Access-Control-Allow-Headers"))
                .containsIgnoringCase("Content-Type")
                .containsIgnoringCase("X-Socket-Serve-Session")
                .containsIgnoringCase("Last-Event-ID");
        assertThat(r.header("Vary")).contains("Origin");
    }

    @Test
    void preflightFromADisallowedOriginIs403() {
        HttpResult r = c.raw(
                "OPTIONS",
                "/socket/message",
                Map.of("Origin", "http://evil.test", "Access-Control-Request-Method", "POST"),
                null);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isNotBlank();
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void requestFromAnAllowedOriginCarriesCorsHeaders() {
        Map<String, String> headers = new LinkedHashMap<>(JSON);
        headers.put("Origin", ORIGIN);

        HttpResult r = c.rawPost("/message", TestClient.json(message("echo")), headers);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    }

    @Test
    void requestFromADisallowedOriginCarriesNoCorsHeaders() {
        Map<String, String> headers = new LinkedHashMap<>(JSON);
        headers.put("Origin", "http://evil.test");

        HttpResult r = c.rawPost("/message", TestClient.json(message("echo")), headers);

        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void streamFromAnAllowedOriginCarriesCorsHeaders() {
        HttpResult r = c.tryOpenStream(Map.of(), Map.of("Origin", ORIGIN));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    }

    // ------------------------------------------------------------------------------- barrage

    @Test
    void aBarrageOfBadRequestsProducesNo500AndLeavesTheSessionUsable() {
        List<byte[]> bodies = new ArrayList<>();
        bodies.add(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 1});
        bodies.add(utf8("{"));
        bodies.add(utf8("{\"sessionId\":null,\"event\":null}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":{\"a\":1}}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"messageId\":5,"
                + "\"requiresAck\":true}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"__ack\"}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"__ack\",\"messageId\":\"nope\"}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"ackInResponse\":\"y\"}"));
        bodies.add(utf8("{\"sessionId\":[],\"event\":\"echo\"}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"echo\",\"data\":1e999999}"));
        bodies.add(utf8("{\"sessionId\":\"" + c.credential() + "\",\"event\":\"e\\u0000\"}"));
        for (byte[] body : bodies) {
            HttpResult r = postMessage(body);
            assertThat(r.status())
                    .as("answer to %s", new String(body, StandardCharsets.UTF_8))
                    .isLessThan(500);
            assertThat(r.json().isObject()).as("JSON body of %s", r).isTrue();
        }
        for (String path : List.of("/connect", "/disconnect")) {
            assertThat(c.rawPost(path, utf8("{\"namespace\":5}"), JSON).status())
                    .isLessThan(500);
            assertThat(c.rawPost(path, utf8("[]"), JSON).status()).isLessThan(500);
        }

        assertThat(c.emit("echo", "ok").status()).isEqualTo(200);
    }
}
