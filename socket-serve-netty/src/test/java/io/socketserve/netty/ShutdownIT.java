package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Closing the HTTP server and the socket server. */
class ShutdownIT {

    private static EmbeddedServer serve(SocketServer server) {
        return EmbeddedServer.builder(server)
                .host("127.0.0.1")
                .port(0)
                .ioThreads(1)
                .warmUp(0)
                .start();
    }

    private static TestClient client(EmbeddedServer http) {
        return new TestClient(URI.create("http://127.0.0.1:" + http.port() + "/socket"));
    }

    @Test
    void closingAnInMemoryServerEndsItsSessionsWithServerShuttingDown() {
        SocketServer server = SocketServer.create();
        try (EmbeddedServer http = serve(server)) {
            TestClient c = client(http);
            c.connect();
            c.openStream();

            server.close();

            // docs/protocol.md: in memory the sessions die with the instance, and the clients are told
            // (with a shared backend the streams simply end and the clients resume elsewhere).
            assertThat(c.awaitEvent("__disconnect").data().path("reason").asText())
                    .isEqualTo("server shutting down");
            assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
            c.assertExhausted();
        } finally {
            server.close();
        }
    }

    @Test
    void requestsAfterTheSocketServerClosedAre503() {
        SocketServer server = SocketServer.create();
        try (EmbeddedServer http = serve(server)) {
            TestClient c = client(http);
            c.connect();

            server.close();

            HttpResult r = c.emit("anything", null);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("unavailable");
            assertThat(c.tryOpenStream(java.util.Map.of(), java.util.Map.of()).status())
                    .isEqualTo(503);
        } finally {
            server.close();
        }
    }

    @Test
    void closingTheHttpServerEndsOpenStreams() {
        try (SocketServer server = SocketServer.create()) {
            EmbeddedServer http = serve(server);
            TestClient c = client(http);
            c.connect();
            c.openStream();

            http.close();

            assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
            c.closeStream();
        }
    }

    @Test
    void socketServerCloseIsIdempotent() {
        SocketServer server = SocketServer.create();
        server.close();

        assertThatCode(server::close).doesNotThrowAnyException();
    }

    @Test
    void embeddedServerCloseIsIdempotent() {
        try (SocketServer server = SocketServer.create()) {
            EmbeddedServer http = serve(server);
            http.close();

            assertThatCode(http::close).doesNotThrowAnyException();
        }
    }
}
