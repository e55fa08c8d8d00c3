package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The browser client served at {@code /socket-serve.js}. */
class StaticClientIT {

    private static final String CLIENT_RESOURCE = "io/socketserve/client/socket-serve.js";

    private final TestServer ts = TestServer.start();
    private final TestClient c = ts.client();

    @AfterEach
    void stop() {
        ts.close();
    }

    @Test
    void clientScriptIsServedWithAJavaScriptContentType() {
        assumeTrue(getClass().getClassLoader().getResource(CLIENT_RESOURCE) != null, "client not on the classpath");

        HttpResult r = c.raw("GET", "/socket-serve.js", Map.of(), null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).matches("(text|application)/javascript.*");
        assertThat(r.body()).isNotEmpty();
    }

    @Test
    void headOfTheClientScriptHasNoBody() {
        assumeTrue(getClass().getClassLoader().getResource(CLIENT_RESOURCE) != null, "client not on the classpath");

        HttpResult r = c.raw("HEAD", "/socket-serve.js", Map.of(), null);

        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void clientScriptIsNotServedWhenDisabled() {
        try (SocketServer server = SocketServer.create();
                EmbeddedServer http = EmbeddedServer.builder(server)
                        .host("127.0.0.1")
                        .port(0)
                        .serveClient(false)
                        .warmUp(0)
                        .start()) {
            TestClient other = new TestClient(URI.create("http://127.0.0.1:" + http.port() + "/socket"));

            HttpResult r = other.raw("GET", "/socket-serve.js", Map.of(), null);

            assertThat(r.status()).isEqualTo(404);
            assertThat(r.error()).isEqualTo("not_found");
        }
    }

    @Test
    void pathTraversalIsNotServed() {
        HttpResult r = c.raw("GET", "/%2e%2e/%2e%2e/etc/passwd", Map.of(), null);

        boolean refused = ts.transport().refusesPathsAboveTheRoot();
        assertThat(r.status()).isEqualTo(refused ? 400 : 404);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.error()).isEqualTo(refused ? "bad_request" : "not_found");
    }
}
