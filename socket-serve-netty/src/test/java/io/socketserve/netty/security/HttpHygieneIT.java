package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request framing an attacker controls: conflicting lengths (request smuggling), broken chunked
 * encoding, header floods, over-long lines, NUL bytes, malformed percent-escapes, expectations. Each
 * is refused with a JSON 4xx and nothing after it on the connection is processed.
 */
class HttpHygieneIT {

    private static final int MAX_PAYLOAD = 64 * 1024;

    private final TestServer ts = TestServer.start(o -> o.maxPayloadBytes(MAX_PAYLOAD));
    private final InetSocketAddress address = ts.address();
    private final TestClient c = ts.connectedClient();
    private final String body = "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"e\",\"data\":1}";

    @AfterEach
    void stop() {
        ts.close();
    }

    private HttpResult send(String request) {
        RawExchange.Result r =
                RawExchange.send(address, request.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(5));
        assertThat(r.answered()).as("answered: %s", r).isTrue();
        return r.response();
    }

    private static void assertJsonError(HttpResult r, int status) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        assertThat(r.error()).as("error of %s", r).isNotBlank();
        assertThat(r.message()).as("message of %s", r).isNotBlank();
    }

    private String post(String headers, String content) {
        return "POST /socket/message HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + headers + "\r\n"
                + content;
    }

    /** Writes the bytes, reads one answer, then asserts the server closes without a second one. */
    private HttpResult answerThenClose(String requests) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(s.getInputStream());
            HttpResult first = RawExchange.readResponse(in, false);
            assertThat(in.read()).as("nothing after the refusal").isEqualTo(-1);
            return first;
        }
    }

    // ------------------------------------------------------------------------------- smuggling

    @Test
    void contentLengthWithTransferEncodingIsRefusedAndTheSmuggledRequestNeverRuns() throws IOException {
        String smuggled =
                "POST /socket/message HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body;
        String attack = post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + smuggled);

        assertJsonError(answerThenClose(attack), 400);
    }

    @Test
    void conflictingContentLengthsAreRefused() throws IOException {
        assertJsonError(
                answerThenClose(post("Content-Length: 3\r\nContent-Length: " + body.length() + "\r\n", body)), 400);
    }

    @Test
    void malformedContentLengthsAreRefused() {
        for (String length : new String[] {"-1", "+5", "abc", "5, 5", "0x10", "99999999999999999999999"}) {
            assertJsonError(send(post("Content-Length: " + length + "\r\n", body)), 400);
        }
    }

    @Test
    void unknownOrStackedTransferEncodingsAreRefused() {
        for (String te :
                new String[] {"gzip", "xchunked", "chunked, identity", "chunked\r\nTransfer-Encoding: chunked"}) {
            assertJsonError(send(post("Transfer-Encoding: " + te + "\r\n", "0\r\n\r\n")), 400);
        }
    }

    @Test
    void brokenChunkedEncodingIsRefused() {
        for (String chunks : new String[] {
            "zz\r\nabc\r\n0\r\n\r\n",
            "-5\r\nabcde\r\n0\r\n\r\n",
            "FFFFFFFFFFFFFFFFFFFF\r\nab\r\n0\r\n\r\n",
            "5\r\nabcdefgh0\r\n\r\n"
        }) {
            assertJsonError(send(post("Transfer-Encoding: chunked\r\n", chunks)), 400);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        String chunk = "2000\r\n" + "x".repeat(0x2000) + "\r\n";
        HttpResult r =
                send(post("Transfer-Encoding: chunked\r\n", chunk.repeat(MAX_PAYLOAD / 0x2000 + 2) + "0\r\n\r\n"));

        assertJsonError(r, 413);
        assertThat(r.error()).isEqualTo("payload_too_large");
    }

    @Test
    void declaredContentLengthOverTheLimitIs413BeforeTheBodyIsSent() {
        HttpResult r = send(post("Content-Length: 99999999999\r\n", ""));

        assertJsonError(r, 413);
    }

    // ----------------------------------------------------------------------------- head sizes

    @Test
    void headerFloodIs431() {
        assertJsonError(send("GET /socket/sse HTTP/1.1\r\nHost: t\r\n" + "X-a: b\r\n".repeat(3000) + "\r\n"), 431);
    }

    @Test
    void overlongRequestLineIs414() {
        assertJsonError(send("GET /socket/sse?" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: t\r\n\r\n"), 414);
    }

    @Test
    void nulBytesInHeadersAreRefused() {
        assertJsonError(send("GET /socket/sse HTTP/1.1\r\nHost: t\r\nX-\0a: b\r\n\r\n"), 400);
        assertJsonError(send("GET /socket/sse HTTP/1.1\r\nHost: t\r\nX-a: b\0c\r\n\r\n"), 400);
    }

    @Test
    void whitespaceBeforeTheColonIsRefused() {
        // RFC 9112 §5.1: a server MUST reject it (it is a classic smuggling vector).
        assertJsonError(send(post("Content-Length : " + body.length() + "\r\n", body)), 400);
    }

    @Test
    void binaryGarbageIsRefused() {
        assertJsonError(send("\u0001\u0002\u0003 garbage\r\n\r\n"), 400);
    }

    // -------------------------------------------------------------------------- response headers

    @Test
    void jsonAnswersAreNotSniffableNorCacheable() {
        HttpResult r = c.emit("e", 1);

        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
        HttpResult error = c.rawGet("/nope", Map.of());
        assertThat(error.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(error.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void streamsAreNotSniffableNorCached() {
        HttpResult r = c.tryOpenStream(Map.of(), Map.of());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Cache-Control")).isEqualTo("no-cache, no-transform");
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
    }

    // -------------------------------------------------------------------------------- known bugs

    @Test
    void malformedPercentEscapeInAPostQueryIs400() {
        assertJsonError(
                send("POST /socket/message?x=%zz HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 13\r\n\r\n{\"event\":\"e\"}"),
                400);
    }

    @Test
    void malformedPercentEscapeInThePathOrStreamQueryIs400() {
        assertJsonError(send("GET /socket/%zz HTTP/1.1\r\nHost: t\r\n\r\n"), 400);
        assertJsonError(send("GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n"), 400);
        assertJsonError(send("GET /socket/sse?x=%zz HTTP/1.1\r\nHost: t\r\n\r\n"), 400);
    }

    @Test
    void expectationFailuresAreJson() {
        assertJsonError(send(post("Expect: foo\r\nContent-Length: " + body.length() + "\r\n", body)), 417);
        assertJsonError(send(post("Expect: 100-continue\r\nContent-Length: 999999\r\n", "")), 413);
    }
}
