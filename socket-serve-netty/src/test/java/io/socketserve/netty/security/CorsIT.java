package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-origin access: only origins on the allow-list (exactly) get {@code Access-Control-Allow-Origin},
 * echoed with {@code Vary: Origin}; {@code "*"} allows any origin but never with credentials;
 * preflights are answered for allowed origins and refused for others.
 */
class CorsIT {

    private static final String APP = "https://app.example";
    private static final String EVIL = "https://evil.example";

    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(TestServer::close);
    }

    private TestServer server(List<String> origins) {
        TestServer s = TestServer.start(o -> o.allowedOrigins(origins));
        s.server().on("e", (socket, data, ack) -> {});
        servers.add(s);
        return s;
    }

    private static HttpResult post(TestClient c, String origin) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Origin", origin);
        return c.rawPost("/message", TestClient.json(Map.of("sessionId", c.credential(), "event", "e")), headers);
    }

    private static HttpResult preflight(TestClient c, String origin, String method) {
        return c.raw(
                "OPTIONS",
                "/socket/message",
                Map.of(
                        "Origin", origin,
                        "Access-Control-Request-Method", method,
                        "Access-Control-Request-Headers", "content-type, x-socket-serve-session"),
                null);
    }

    @Test
    void allowedOriginIsEchoedWithVary() {
        TestClient c = server(List.of(APP)).connectedClient();

        HttpResult r = post(c, APP);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(r.header("Vary")).containsIgnoringCase("Origin");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void allowedOriginAlsoGetsCorsHeadersOnErrorsAndStreams() {
        TestClient c = server(List.of(APP)).connectedClient();

        HttpResult error =
                c.rawPost("/message", "{".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of("Origin", APP));
        HttpResult stream = c.tryOpenStream(Map.of(), Map.of("Origin", APP));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(stream.header("Vary")).containsIgnoringCase("Origin");
    }

    @Test
    void disallowedOriginGetsNoCorsHeaders() {
        TestClient c = server(List.of(APP)).connectedClient();

        for (String origin : List.of(
                EVIL,
                "null",
                APP + ".evil.example",
                APP + ":8443",
                "http://app.example",
                "https://APP.example",
                APP + "/",
                "*")) {
            HttpResult r = post(c, origin);
            assertThat(r.header("Access-Control-Allow-Origin"))
                    .as("ACAO for %s", origin)
                    .isNull();
            assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        }
        assertThat(c.tryOpenStream(Map.of(), Map.of("Origin", EVIL)).header("Access-Control-Allow-Origin"))
                .isNull();
    }

    @Test
    void noAllowListMeansNoCrossOriginAccess() {
        TestClient c = server(List.of()).connectedClient();

        assertThat(post(c, APP).header("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight(c, APP, "POST").status()).isEqualTo(403);
    }

    @Test
    void wildcardAllowsAnyOriginWithoutCredentials() {
        TestClient c = server(List.of("*")).connectedClient();

        HttpResult r = post(c, EVIL);
        HttpResult pre = preflight(c, EVIL, "POST");

        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(pre.status()).isIn(200, 204);
        assertThat(pre.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(pre.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void listedOriginNextToTheWildcardIsEchoedExactly() {
        TestClient c = server(List.of("*", APP)).connectedClient();

        assertThat(post(c, APP).header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(post(c, EVIL).header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void preflightFromAnAllowedOriginListsTheProtocolsMethodsAndHeaders() {
        TestClient c = server(List.of(APP)).connectedClient();

        HttpResult r = preflight(c, APP, "POST");

        assertThat(r.status()).isIn(200, 204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST").contains("GET");
        assertThat(r.header("Access-Control-Allow-Headers"))
                .containsIgnoringCase("Content-Type")
                .containsIgnoringCase("X-Socket-Serve-Session")
                .containsIgnoringCase("Last-Event-ID");
        assertThat(r.header("Access-Control-Max-Age")).isNotNull();
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void preflightFromADisallowedOriginIs403WithoutCorsHeaders() {
        TestClient c = server(List.of(APP)).connectedClient();

        for (String origin : List.of(EVIL, "null", APP + ".evil.example")) {
            HttpResult r = preflight(c, origin, "POST");
            assertThat(r.status()).as("preflight from %s", origin).isEqualTo(403);
            assertThat(r.error()).isEqualTo("origin_not_allowed");
            assertThat(r.header("Access-Control-Allow-Origin")).isNull();
            assertThat(r.header("Access-Control-Allow-Methods")).isNull();
        }
    }
}
