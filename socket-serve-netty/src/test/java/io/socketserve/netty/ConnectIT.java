package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.Socket;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /connect}, the connection handler and the first stream. */
class ConnectIT {

    private final TestServer ts = TestServer.start();

    @AfterEach
    void stop() {
        ts.close();
    }

    @Test
    void connectReturnsCredentialAndDifferentPublicId() {
        HttpResult r = ts.client().connect();

        String credential = r.json().path("sessionId").asText();
        String id = r.json().path("id").asText();
        assertThat(id).matches("[A-Za-z0-9_-]{16}");
        assertThat(credential).matches("[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{43}").startsWith(id + ".");
        assertThat(credential).isNotEqualTo(id);
        assertThat(r.json().path("protocol").asInt()).isEqualTo(1);
        assertThat(r.header("X-Socket-Serve-Protocol")).isEqualTo("1");
    }

    @Test
    void connectAcceptsAJsonBody() {
        HttpResult r = ts.client().connect(Map.of("auth", Map.of("token", "x"), "namespace", "/"));

        assertThat(r.json().path("id").asText()).hasSize(16);
    }

    @Test
    void eachConnectGetsANewSession() {
        TestClient a = ts.connectedClient();
        TestClient b = ts.connectedClient();

        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(a.credential()).isNotEqualTo(b.credential());
    }

    @Test
    void connectionHandlerRunsWithThePublicId() throws InterruptedException {
        BlockingQueue<Socket> connected = new LinkedBlockingQueue<>();
        ts.server().onConnection(connected::add);

        TestClient c = ts.connectedClient();

        Socket socket = connected.poll(5, TimeUnit.SECONDS);
        assertThat(socket).isNotNull();
        assertThat(socket.id()).isEqualTo(c.id());
    }

    @Test
    void emitsFromTheConnectionHandlerArriveOnTheFirstStream() {
        ts.server().onConnection(s -> {
            s.emit("welcome", Map.of("id", s.id()));
            s.emit("motd", "hello");
        });
        TestClient c = ts.connectedClient();

        ReceivedFrame connected = c.openStream();

        assertThat(connected.data().path("id").asText()).isEqualTo(c.id());
        assertThat(connected.id()).isNull();
        assertThat(c.assertEvent("welcome").data().path("id").asText()).isEqualTo(c.id());
        assertThat(c.assertEvent("motd").data().asText()).isEqualTo("hello");
        c.assertExhausted();
    }

    @Test
    void streamCarriesTheSseHeaders() {
        TestClient c = ts.connectedClient();

        HttpResult r = c.tryOpenStream(Map.of(), Map.of());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
        assertThat(r.header("Cache-Control")).isEqualTo("no-cache, no-transform");
        assertThat(r.header("X-Accel-Buffering")).isEqualTo("no");
        assertThat(r.header("X-Socket-Serve-Protocol")).isEqualTo("1");
    }

    @Test
    void credentialInHeaderWorksForEveryEndpoint() {
        ts.server().on("echo", (s, d, a) -> s.emit("echoed", d));
        TestClient c = ts.client().useHeaderCredential();
        c.connect();
        c.openStream();

        assertThat(c.emit("echo", "hi").status()).isEqualTo(200);
        assertThat(c.awaitEvent("echoed").data().asText()).isEqualTo("hi");
        assertThat(c.poll().http().status()).isEqualTo(200);
        assertThat(c.disconnect().status()).isEqualTo(200);
        assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void throwingConnectionHandlerStillConnects() {
        ts.server().onConnection(s -> {
            throw new io.socketserve.testing.ExpectedFailure("listener failed");
        });

        TestClient c = ts.connectedClient();

        assertThat(c.emit("anything", null).status()).isEqualTo(200);
    }

    @Test
    void roomJoinedInTheConnectionHandlerDeliversBeforeTheFirstStream() {
        ts.server().onConnection(s -> s.join("lobby"));
        TestClient c = ts.connectedClient();

        ts.server().to("lobby").emit("news", 1).toCompletableFuture().join();
        c.openStream();

        assertThat(c.assertEvent("news").data().asInt()).isEqualTo(1);
    }
}
