package io.socketserve.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.spring.boot.internal.SpringSocketServeServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The auto-configured server on real Tomcat: annotated handlers, properties, the client script. */
@SpringBootTest(
        classes = ChatTestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "socketserve.path=/rt",
            "socketserve.limits.max-payload-bytes=2048",
            "socketserve.stream-compression=6"
        })
class AutoConfiguredChatIT {

    @LocalServerPort
    int port;

    @Autowired
    SocketServer server;

    private TestClient alice;
    private TestClient bob;

    private TestClient client() {
        return new TestClient(URI.create("http://127.0.0.1:" + port + "/rt"));
    }

    @AfterEach
    void close() {
        if (alice != null) {
            alice.close();
        }
        if (bob != null) {
            bob.close();
        }
    }

    @Test
    void annotatedComponentHandlesEventsWithTypedPayload() {
        alice = client();
        bob = client();
        alice.connect();
        bob.connect();
        bob.openStream();

        HttpResult sent = alice.emit("say", Map.of("room", "lobby", "text", "hi"));

        assertThat(sent.status()).isEqualTo(200);
        ReceivedFrame said = bob.awaitEvent("said");
        assertThat(said.data().asText()).isEqualTo("hi");
    }

    @Test
    void ackParameterAnswersTheClient() {
        alice = client();
        alice.connect();
        alice.openStream();

        TestClient.Emitted e = alice.emitWithAck("echo", Map.of("room", "x", "text", "back"));

        assertThat(alice.awaitAck(e.messageId()).data().asText()).isEqualTo("back");
    }

    @Test
    void payloadThatDoesNotBindIs400() {
        alice = client();
        alice.connect();

        HttpResult r = alice.emit("say", "not an object");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_payload");
    }

    @Test
    void aPayloadThatViolatesItsConstraintsIs400NamingTheFields() {
        alice = client();
        alice.connect();

        HttpResult bad = alice.emitWithAck("register", Map.of("name", " ", "age", 9), true)
                .response();
        HttpResult good = alice.emitWithAck("register", Map.of("name", "ada", "age", 36), true)
                .response();

        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error()).isEqualTo("invalid_payload");
        assertThat(bad.message()).contains("age:", "name:");
        assertThat(good.status()).isEqualTo(200);
        assertThat(good.json().path("ack").asText()).isEqualTo("welcome ada");
    }

    @Test
    void limitPropertyTakesEffect() {
        assertThat(server.options().maxPayloadBytes()).isEqualTo(2048);
        alice = client();
        alice.connect();

        HttpResult r = alice.emit("say", Map.of("room", "lobby", "text", "x".repeat(4096)));

        assertThat(r.status()).isEqualTo(413);
    }

    @Test
    void streamCompressionPropertyGzipsStreamsForClientsThatAcceptIt() {
        alice = client();
        alice.connect();
        HttpResult gzip = alice.tryOpenStream(Map.of(), Map.of("Accept-Encoding", "gzip"));
        bob = client();
        bob.connect();
        HttpResult plain = bob.tryOpenStream(Map.of(), Map.of());

        assertThat(gzip.status()).isEqualTo(200);
        assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("Content-Encoding")).isNull();
    }

    @Test
    void anonymousConnectHasNoPrincipalAndCannotForgeOne() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rt/connect"))
                                .header(SpringSocketServeServlet.PRINCIPAL_HEADER, "mallory")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        alice = client();
        alice.connect();
        alice.openStream();

        TestClient.Emitted e = alice.emitWithAck("whoami", null);

        assertThat(alice.awaitAck(e.messageId()).data().asText()).isEqualTo("anonymous");
    }

    @Test
    void browserClientIsServed() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/socket-serve.js"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).contains("javascript"));
    }
}
