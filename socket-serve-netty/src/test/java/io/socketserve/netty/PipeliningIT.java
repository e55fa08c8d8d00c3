package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.RawHttp;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pipelined HTTP/1.1 (issue 13, finding 4): several requests in one write on one connection are
 * answered strictly in request order, whatever each takes to answer. Out of order, a proxy that
 * pipelines would hand one user's answer (a credential, say) to another user's request. Runs on every
 * transport ({@link TestServer#start()} serves through {@code TransportFixture.selected()}).
 */
class PipeliningIT {

    private static final int SLOW_MILLIS = 300;

    private final TestServer ts = TestServer.start(o -> o.maxPayloadBytes(4096));
    private final String base = ts.server().options().basePath();

    PipeliningIT() {
        ts.server().on("slow", (s, d, a) -> {
            Thread.sleep(SLOW_MILLIS);
            a.send(d);
        });
        ts.server().on("echo", (s, d, a) -> a.send(d));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    @Test
    void aSlowMessageANotFoundAndAConnectAreAnsweredInOrder() throws IOException {
        TestClient c = ts.connectedClient();

        try (Connection conn = open(message(c, "slow", 1), get(base + "/nothing-here", Map.of()), connect())) {
            assertMessageAnswer(conn.next(), 1);
            assertNotFound(conn.next(), "nothing-here");
            assertConnectAnswer(conn.next());
        }
    }

    @Test
    void connectionCloseOnTheSecondRequestAnswersTheFirstThenTheSecondThenCloses() throws IOException {
        TestClient c = ts.connectedClient();

        try (Connection conn =
                open(message(c, "slow", 1), get(base + "/nothing-here", Map.of("Connection", "close")), connect())) {
            assertMessageAnswer(conn.next(), 1);
            assertNotFound(conn.next(), "nothing-here");
            // The third request is never answered: the connection ends after the second.
            assertThat(conn.rest()).isEmpty();
        }
    }

    @Test
    void connectionCloseOnTheFirstRequestClosesAfterItsAnswer() throws IOException {
        try (Connection conn = open(get(base + "/nothing-here", Map.of("Connection", "close")), connect())) {
            assertNotFound(conn.next(), "nothing-here");
            assertThat(conn.rest()).isEmpty();
        }
    }

    @Test
    void aStreamRequestAfterAMessageOpensOnlyAfterTheMessageIsAnswered() throws IOException {
        TestClient c = ts.connectedClient();
        byte[] sse = RawHttp.request(
                "GET",
                base + "/sse?sessionId=" + c.credential(),
                "127.0.0.1",
                Map.of("Accept", "text/event-stream"),
                null);

        try (Connection conn = open(message(c, "slow", 7), sse)) {
            assertMessageAnswer(conn.next(), 7);
            RawHttp.Head stream = RawHttp.readHead(conn.in);
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.headers().get("content-type").get(0)).startsWith("text/event-stream");
        }
    }

    @Test
    void aLongMixedPipelineIsAnsweredInOrderWithTheRightBodies() throws IOException {
        TestClient c = ts.connectedClient();
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            requests.add(
                    switch (i % 5) {
                        case 0 -> message(c, "echo", i);
                        case 1 -> connect();
                        case 2 -> get(base + "/nothing-here-" + i, Map.of());
                        case 3 -> message(c, i % 10 == 3 ? "slow" : "echo", i);
                        default -> connect();
                    });
        }
        List<HttpResult> answers;
        try (Connection conn = open(requests.toArray(byte[][]::new))) {
            answers = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                answers.add(conn.next());
            }
        }

        List<String> credentials = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            HttpResult r = answers.get(i);
            switch (i % 5) {
                case 0, 3 -> assertMessageAnswer(r, i);
                case 2 -> assertNotFound(r, "nothing-here-" + i);
                default -> credentials.add(assertConnectAnswer(r));
            }
        }
        assertThat(credentials).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void anOversizedBodyBehindASlowRequestIsAnsweredAfterIt() throws IOException {
        TestClient c = ts.connectedClient();
        Map<String, Object> big = new LinkedHashMap<>();
        big.put("sessionId", c.credential());
        big.put("event", "echo");
        big.put("data", "x".repeat(8192));
        byte[] oversized = RawHttp.request(
                "POST",
                base + "/message",
                "127.0.0.1",
                Map.of("Content-Type", "application/json"),
                TestClient.json(big));

        try (Connection conn = open(message(c, "slow", 3), oversized)) {
            assertMessageAnswer(conn.next(), 3);
            assertThat(conn.next().status()).isEqualTo(413);
        }
    }

    @Test
    void http10WithoutKeepAliveAnswersOneRequestThenCloses() throws IOException {
        TestClient c = ts.connectedClient();
        byte[] first = http10(message(c, "slow", 5));
        byte[] second = http10(connect());

        try (Connection conn = open(first, second)) {
            assertMessageAnswer(conn.next(), 5);
            assertThat(conn.rest()).isEmpty();
        }
    }

    @Test
    void http10WithoutKeepAliveNotFoundThenCloses() throws IOException {
        byte[] first = ("GET " + base + "/nothing-here HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

        try (Connection conn = open(first, http10(connect()))) {
            assertNotFound(conn.next(), "nothing-here");
            assertThat(conn.rest()).isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    private byte[] message(TestClient c, String event, int n) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessionId", c.credential());
        body.put("event", event);
        body.put("data", n);
        body.put("messageId", "m" + n);
        body.put("requiresAck", true);
        body.put("ackInResponse", true);
        return RawHttp.request(
                "POST",
                base + "/message",
                "127.0.0.1",
                Map.of("Content-Type", "application/json"),
                TestClient.json(body));
    }

    private byte[] connect() {
        return RawHttp.request(
                "POST", base + "/connect", "127.0.0.1", Map.of("Content-Type", "application/json"), new byte[0]);
    }

    private static byte[] get(String target, Map<String, String> headers) {
        return RawHttp.request("GET", target, "127.0.0.1", headers, null);
    }

    /** The same request as HTTP/1.0 (no keep-alive). */
    private static byte[] http10(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        return text.replaceFirst(" HTTP/1\\.1\r\n", " HTTP/1.0\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void assertMessageAnswer(HttpResult r, int n) {
        assertThat(r.status()).as("answer to message %d: %s", n, r).isEqualTo(200);
        assertThat(r.json().path("success").asBoolean()).as("%s", r).isTrue();
        assertThat(r.json().path("ack").asInt(-1))
                .as("ack of message %d: %s", n, r)
                .isEqualTo(n);
        assertThat(r.json().has("sessionId")).as("%s", r).isFalse();
    }

    private static void assertNotFound(HttpResult r, String path) {
        assertThat(r.status()).as("%s", r).isEqualTo(404);
        assertThat(r.text()).contains(path);
        assertThat(r.text()).doesNotContain("sessionId");
    }

    private static String assertConnectAnswer(HttpResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        String credential = r.json().path("sessionId").asText();
        assertThat(credential).as("%s", r).matches("[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{43}");
        assertThat(r.json().has("success")).as("%s", r).isFalse();
        return credential;
    }

    private Connection open(byte[]... requests) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(ts.address(), 10_000);
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] r : requests) {
                all.writeBytes(r);
            }
            // ONE write: the server sees every request at once.
            socket.getOutputStream().write(all.toByteArray());
            socket.getOutputStream().flush();
            return new Connection(socket, new BufferedInputStream(socket.getInputStream()));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** One raw connection whose answers are read one by one. */
    private record Connection(Socket socket, InputStream in) implements AutoCloseable {

        HttpResult next() throws IOException {
            return RawHttp.readResponse(in);
        }

        /** What arrives until the server closes the connection (fails on a timeout instead). */
        byte[] rest() throws IOException {
            try {
                return in.readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection stayed open", e);
            } catch (IOException reset) {
                return new byte[0]; // a reset after the last answer also ends it
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
