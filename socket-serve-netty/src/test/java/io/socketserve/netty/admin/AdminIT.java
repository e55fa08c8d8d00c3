package io.socketserve.netty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.AdminOptions;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin page over real HTTP: off by default (404), every path behind HTTP Basic (401 with a
 * challenge, 429 after repeated failures), read-only refusing every action (403), bad input answered
 * with a 4xx JSON error naming the problem, the actions doing what they say, and the admin namespace
 * accepting only a token of {@code /admin/api/token}.
 */
class AdminIT {

    private static final String PASSWORD = "correct horse battery";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ACTIONS = List.of("disconnect", "leave", "broadcast");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private @Nullable SocketServer server;
    private @Nullable EmbeddedServer embedded;
    private final java.util.List<TestClient> clients = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(TestClient::closeStream);
        if (embedded != null) {
            embedded.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(@Nullable AdminOptions admin) {
        server = SocketServer.create(ServerOptions.defaults());
        server.on("join", (socket, data, ack) -> {
            socket.join(data.path("room").asText());
            ack.send(Map.of("ok", true));
        });
        embedded = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .admin(admin)
                .start();
    }

    private void startReadWrite() {
        start(AdminOptions.builder().password(PASSWORD).readOnly(false).build());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + embedded.port() + path);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path, @Nullable String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> action(String name, String body) throws Exception {
        return post(
                "/admin/api/" + name,
                body,
                Map.of("Authorization", basic("admin", PASSWORD), "Content-Type", "application/json"));
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws IOException {
        assertThat(r.statusCode()).as("status of %s", r.body()).isEqualTo(status);
        JsonNode body = json(r);
        assertThat(body.path("error").asText()).as(r.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).as(r.body()).isNotBlank();
    }

    private TestClient client() {
        TestClient c = new TestClient(uri("/socket"));
        clients.add(c);
        return c;
    }

    private TestClient memberOf(String room) {
        TestClient c = client();
        c.connect();
        c.openStream();
        assertThat(c.emitWithAck("join", Map.of("room", room), true).response().status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.socketRooms(c.id()).contains(room));
        return c;
    }

    // ------------------------------------------------------------------------------ off / auth

    @Test
    void withoutAdminOptionsAdminIsAnOrdinary404() throws Exception {
        start(null);
        for (String path : List.of("/admin", "/admin/", "/admin/api/overview", "/admin/api/token")) {
            assertError(get(path, basic("admin", PASSWORD)), 404, "not_found");
        }
        assertThat(server.of(AdminOptions.NAMESPACE).roomSize("watchers")).isZero();
    }

    @Test
    void everyAdminPathWithoutCredentialIs401WithAChallenge() throws Exception {
        startReadWrite();
        for (String path : List.of(
                "/admin",
                "/admin/",
                "/admin/admin.js",
                "/admin/socket-serve.js",
                "/admin/api/overview",
                "/admin/api/token",
                "/admin/api/room?name=x",
                "/admin/nothing-here")) {
            HttpResponse<String> r = get(path, null);
            assertError(r, 401, "unauthorized");
            assertThat(r.headers().firstValue("WWW-Authenticate"))
                    .hasValue("Basic realm=\"socket-serve admin\", charset=\"UTF-8\"");
        }
        for (String name : ACTIONS) {
            assertError(
                    post("/admin/api/" + name, "{}", Map.of("Content-Type", "application/json")), 401, "unauthorized");
        }
    }

    @Test
    void aWrongOrMalformedCredentialIs401() throws Exception {
        startReadWrite();
        for (String authorization : List.of(
                basic("admin", "wrong password"),
                basic("root", PASSWORD),
                basic("admin", PASSWORD + "x"),
                "Basic !!!not-base64!!!",
                "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)),
                "Bearer " + PASSWORD,
                "Basic")) {
            HttpResponse<String> r = get("/admin/api/overview", authorization);
            assertError(r, 401, "unauthorized");
            assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
        }
    }

    @Test
    void repeatedFailuresFromOneAddressAre429EvenWithTheRightCredentialAfterwards() throws Exception {
        startReadWrite();
        for (int i = 0; i < 10; i++) {
            assertError(get("/admin/", basic("admin", "guess " + i)), 401, "unauthorized");
        }
        HttpResponse<String> r = get("/admin/", basic("admin", PASSWORD));
        assertError(r, 429, "too_many_attempts");
        assertThat(r.headers().firstValue("Retry-After"))
                .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
    }

    @Test
    void theUserNameIsConfigurable() throws Exception {
        start(AdminOptions.builder().user("ops").password(PASSWORD).build());
        assertError(get("/admin/api/overview", basic("admin", PASSWORD)), 401, "unauthorized");
        assertThat(get("/admin/api/overview", basic("ops", PASSWORD)).statusCode())
                .isEqualTo(200);
    }

    // ------------------------------------------------------------------------------ page and data

    @Test
    void withTheCredentialThePageItsFilesAndTheDataAreServed() throws Exception {
        startReadWrite();
        String auth = basic("admin", PASSWORD);
        for (String path : List.of("/admin", "/admin/")) {
            HttpResponse<String> page = get(path, auth);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy"))
                    .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'"));
            assertThat(page.body()).contains("socket-serve", "/admin/admin.js");
        }
        for (String path : List.of("/admin/admin.js", "/admin/chart.js", "/admin/socket-serve.js")) {
            HttpResponse<String> js = get(path, auth);
            assertThat(js.statusCode()).as(path).isEqualTo(200);
            assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        }
        TestClient member = memberOf("lobby");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode overview = json(get("/admin/api/overview", auth));
            assertThat(overview.path("instances")).hasSize(1);
            assertThat(overview.path("instances").get(0).path("id").asText())
                    .isEqualTo(server.stats().instance());
            assertThat(overview.path("totals")
                            .path("sessionsByTransport")
                            .path("sse")
                            .asLong())
                    .isEqualTo(1);
            assertThat(overview.path("rooms").toString()).contains("{\"name\":\"lobby\",\"members\":1}");
        });
        JsonNode room = json(get("/admin/api/room?name=lobby", auth));
        assertThat(room.path("members").asInt()).isEqualTo(1);
        assertThat(room.path("list").get(0).path("id").asText()).isEqualTo(member.id());
        assertThat(room.path("list").get(0).path("rooms").toString()).contains("lobby");
    }

    // ------------------------------------------------------------------------------ read-only

    @Test
    void readOnlyRefusesEveryActionWith403() throws Exception {
        start(AdminOptions.builder().password(PASSWORD).build()); // read-only by default
        TestClient member = memberOf("lobby");
        for (String name : ACTIONS) {
            assertError(
                    action(name, "{\"id\":\"" + member.id() + "\",\"room\":\"lobby\",\"event\":\"x\"}"),
                    403,
                    "read_only");
        }
        assertThat(server.socketRooms(member.id())).contains("lobby");
        assertThat(json(get("/admin/api/token", basic("admin", PASSWORD)))
                        .path("readOnly")
                        .asBoolean())
                .isTrue();
    }

    // ------------------------------------------------------------------------------ bad input

    @Test
    void badInputIsA4xxJsonErrorNamingTheProblem() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        String id = member.id();
        assertError(action("disconnect", "{not json"), 400, "invalid_json");
        assertError(action("disconnect", "[1,2]"), 400, "invalid_json");
        assertError(action("disconnect", ""), 400, "invalid_json");
        assertError(action("disconnect", "{}"), 400, "invalid_id");
        assertError(action("disconnect", "{\"id\":42}"), 400, "invalid_id");
        assertError(action("disconnect", "{\"id\":\"a\\u0000b\"}"), 400, "invalid_id");
        assertError(action("disconnect", "{\"id\":\"" + "x".repeat(500) + "\"}"), 400, "invalid_id");
        assertError(action("disconnect", "{\"id\":\"no-such-session\"}"), 404, "unknown_session");
        assertError(action("leave", "{\"id\":\"" + id + "\"}"), 400, "invalid_room");
        assertError(
                action("leave", "{\"id\":\"" + id + "\",\"room\":\"" + "r".repeat(300) + "\"}"), 400, "invalid_room");
        assertError(action("leave", "{\"id\":\"" + id + "\",\"room\":\"elsewhere\"}"), 404, "not_in_room");
        assertError(action("broadcast", "{\"room\":\"lobby\"}"), 400, "invalid_event");
        assertError(action("broadcast", "{\"room\":\"lobby\",\"event\":\"__disconnect\"}"), 400, "invalid_event");
        assertError(action("broadcast", "{\"room\":\"lobby\",\"event\":\"\"}"), 400, "invalid_event");
        assertError(action("broadcast", "{\"event\":\"hello\"}"), 400, "invalid_room");
        String big = "{\"room\":\"lobby\",\"event\":\"e\",\"data\":\"" + "x".repeat(70_000) + "\"}";
        assertError(action("broadcast", big), 413, "payload_too_large");
        String auth = basic("admin", PASSWORD);
        assertError(
                post("/admin/api/disconnect", "{\"id\":\"" + id + "\"}", Map.of("Authorization", auth)),
                415,
                "unsupported_media_type");
        assertError(
                post(
                        "/admin/api/disconnect",
                        "{\"id\":\"" + id + "\"}",
                        Map.of("Authorization", auth, "Content-Type", "text/plain")),
                415,
                "unsupported_media_type");
        HttpResponse<String> wrongMethod = get("/admin/api/disconnect", auth);
        assertError(wrongMethod, 405, "method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        assertError(post("/admin/api/overview", "{}", Map.of("Authorization", auth)), 405, "method_not_allowed");
        assertError(get("/admin/api/nothing", auth), 404, "not_found");
        assertError(get("/admin/../etc/passwd", auth), 404, "not_found");
        assertError(get("/admin/api/room", auth), 400, "invalid_room");
        assertError(get("/admin/api/room?name=" + "r".repeat(300), auth), 400, "invalid_room");
        assertError(get("/admin/api/room?name=%01", auth), 400, "invalid_room");
        // none of it touched the session
        assertThat(server.socketRooms(id)).contains("lobby");
    }

    @Test
    void anActionFromAnotherSiteIs403() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", basic("admin", PASSWORD));
        headers.put("Content-Type", "application/json");
        headers.put("Origin", "https://evil.example");
        assertError(post("/admin/api/disconnect", "{\"id\":\"" + member.id() + "\"}", headers), 403, "cross_origin");
        headers.remove("Origin");
        headers.put("Sec-Fetch-Site", "cross-site");
        assertError(post("/admin/api/disconnect", "{\"id\":\"" + member.id() + "\"}", headers), 403, "cross_origin");
        assertThat(server.socket(member.id())).isPresent();
    }

    // ------------------------------------------------------------------------------ actions

    @Test
    void disconnectEndsTheSessionsStreamWithDisconnect() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        HttpResponse<String> r = action("disconnect", "{\"id\":\"" + member.id() + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        member.awaitEvent("__disconnect");
        assertThat(member.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.socket(member.id()).isEmpty());
    }

    @Test
    void leaveTakesTheSessionOutOfTheRoomOnly() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        assertThat(member.emitWithAck("join", Map.of("room", "other"), true)
                        .response()
                        .status())
                .isEqualTo(200);
        HttpResponse<String> r = action("leave", "{\"id\":\"" + member.id() + "\",\"room\":\"lobby\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(server.socketRooms(member.id())).containsExactly("other"));
        assertThat(member.streamOpen()).isTrue();
    }

    @Test
    void broadcastReachesTheRoomsMembers() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        TestClient outsider = memberOf("elsewhere");
        HttpResponse<String> r = action("broadcast", "{\"room\":\"lobby\",\"event\":\"adminTest\",\"data\":{\"n\":7}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("members").asLong()).isEqualTo(1);
        ReceivedFrame f = member.awaitEvent("adminTest");
        assertThat(f.data().path("n").asInt()).isEqualTo(7);
        // A later broadcast to the outsider's room arrives after anything the first one sent it.
        assertThat(action("broadcast", "{\"room\":\"elsewhere\",\"event\":\"marker\"}")
                        .statusCode())
                .isEqualTo(200);
        outsider.awaitEvent("marker");
        assertThat(outsider.frames().history()).noneMatch(frame -> frame.event().equals("adminTest"));
    }

    // ------------------------------------------------------------------------------ namespace

    @Test
    void theAdminNamespaceNeedsAValidTokenAndThenGetsTheOverviewPushed() throws Exception {
        start(AdminOptions.builder()
                .password(PASSWORD)
                .publishInterval(Duration.ofMillis(500))
                .build());
        String connect = "/socket/connect";
        Map<String, String> jsonType = Map.of("Content-Type", "application/json");
        assertError(post(connect, "{\"namespace\":\"/socket-serve-admin\"}", jsonType), 401, "unauthorized");
        assertError(
                post(
                        connect,
                        "{\"namespace\":\"/socket-serve-admin\",\"auth\":{\"token\":\"v1.99999999999999.AAAA\"}}",
                        jsonType),
                401,
                "unauthorized");
        String token = json(get("/admin/api/token", basic("admin", PASSWORD)))
                .path("token")
                .asText();
        // a token of another password is refused too
        String forged = new io.socketserve.internal.admin.AdminTokens(
                        "admin", "another password".getBytes(StandardCharsets.UTF_8))
                .issue(System.currentTimeMillis());
        assertError(
                post(
                        connect,
                        "{\"namespace\":\"/socket-serve-admin\",\"auth\":{\"token\":\"" + forged + "\"}}",
                        jsonType),
                401,
                "unauthorized");
        TestClient page = client();
        page.connect(Map.of("namespace", AdminOptions.NAMESPACE, "auth", Map.of("token", token)));
        page.openStream();
        ReceivedFrame overview = page.awaitEvent("overview", Duration.ofSeconds(10));
        assertThat(overview.data().path("instances").get(0).path("id").asText())
                .isEqualTo(server.stats().instance());
    }

    @Test
    void theAdminNamespaceAnswersRoomQueriesWithAcks() throws Exception {
        startReadWrite();
        TestClient member = memberOf("lobby");
        String token = json(get("/admin/api/token", basic("admin", PASSWORD)))
                .path("token")
                .asText();
        TestClient page = client();
        page.connect(Map.of("namespace", AdminOptions.NAMESPACE, "auth", Map.of("token", token)));
        page.openStream();
        TestClient.Emitted asked = page.emitWithAck("room", Map.of("name", "lobby"), false);
        ReceivedFrame answer = page.awaitAck(asked.messageId());
        assertThat(answer.data().path("members").asInt()).isEqualTo(1);
        assertThat(answer.data().path("list").get(0).path("id").asText()).isEqualTo(member.id());
        HttpResult bad = page.emitWithAck("room", Map.of("name", ""), true).response();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error()).isEqualTo("invalid_room");
    }

    @Test
    void instancesOnOneBackendShareOnePageAndOneThatClosesLeavesIt() throws Exception {
        InMemoryBackend backend = new InMemoryBackend(); // shared in this JVM: stands in for Redis
        AdminOptions admin = AdminOptions.builder()
                .password(PASSWORD)
                .publishInterval(Duration.ofMillis(500))
                .build();
        server = SocketServer.create(ServerOptions.builder().backend(backend).build());
        embedded = EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .admin(admin)
                .start();
        SocketServer other =
                SocketServer.create(ServerOptions.builder().backend(backend).build());
        EmbeddedServer otherHttp = EmbeddedServer.builder(other)
                .host("127.0.0.1")
                .port(0)
                .admin(admin)
                .start();
        try {
            String auth = basic("admin", PASSWORD);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(ids(json(get("/admin/api/overview", auth))))
                            .containsExactlyInAnyOrder(
                                    server.stats().instance(), other.stats().instance()));
            otherHttp.close();
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(ids(json(get("/admin/api/overview", auth))))
                            .containsExactly(server.stats().instance()));
        } finally {
            otherHttp.close();
            other.close(); // closes the shared backend too; stop() then closes the first server
        }
    }

    private static List<String> ids(JsonNode overview) {
        List<String> out = new java.util.ArrayList<>();
        overview.path("instances").forEach(i -> out.add(i.path("id").asText()));
        return out;
    }

    @Test
    void aRoomsMembersShowTheTransportTheyUse() throws Exception {
        start(AdminOptions.builder()
                .password(PASSWORD)
                .publishInterval(Duration.ofMillis(500))
                .build());
        TestClient streaming = memberOf("lobby");
        TestClient polling = client();
        polling.connect();
        assertThat(polling.emitWithAck("join", Map.of("room", "lobby"), true)
                        .response()
                        .status())
                .isEqualTo(200);
        assertThat(polling.poll().http().status()).isEqualTo(200);
        // a forged credential with the streaming client's public id labels nothing
        TestClient forger = client().withCredential(streaming.id() + "." + "A".repeat(43));
        assertThat(forger.poll().http().status()).isBetween(400, 499);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, String> transports = new java.util.HashMap<>();
            json(get("/admin/api/room?name=lobby", basic("admin", PASSWORD)))
                    .path("list")
                    .forEach(m -> transports.put(
                            m.path("id").asText(), m.path("transport").asText()));
            assertThat(transports)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(streaming.id(), "sse", polling.id(), "polling"));
        });
    }
}
