package io.socketserve.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded server's pipeline (codec → {@link JsonErrorAggregator} → {@link RequestHandler}) on
 * an {@link EmbeddedChannel}: raw request bytes in, raw response bytes out, no sockets.
 */
class RequestPipelineTest {

    private static final int MAX_PAYLOAD = 1024;
    private static final String ORIGIN = "http://example.test";

    private final ServerOptions options = ServerOptions.builder()
            .maxPayloadBytes(MAX_PAYLOAD)
            .allowedOrigins(List.of(ORIGIN))
            .build();
    private final SocketServer server = SocketServer.create(options);
    private final EmbeddedChannel channel = newChannel();

    private EmbeddedChannel newChannel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline()
                .addLast("codec", new HttpServerCodec(8192, 16 * 1024, 8192))
                .addLast("aggregator", new JsonErrorAggregator(io.socketserve.transport.SocketEndpoint.of(server)))
                .addLast(
                        "handler",
                        new RequestHandler(
                                io.socketserve.transport.SocketEndpoint.of(server),
                                options,
                                new io.socketserve.transport.StaticResources(null, true),
                                new LoopWriter(ch.eventLoop()),
                                30_000,
                                0,
                                new Drain(),
                                null,
                                null));
        return ch;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        server.close();
    }

    // ------------------------------------------------------------------------------------ helpers

    private void send(String head, byte[] body) {
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        in.writeBytes(body);
        channel.writeInbound(in);
    }

    private void send(String head) {
        send(head, new byte[0]);
    }

    /** Runs the channel's tasks until a complete response has been written, and parses it. */
    private HttpResult response() {
        StringBuilder raw = new StringBuilder();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            channel.runPendingTasks();
            ByteBuf out;
            while ((out = channel.readOutbound()) != null) {
                raw.append(out.toString(StandardCharsets.UTF_8));
                out.release();
            }
            return complete(raw.toString());
        });
        return parse(raw.toString());
    }

    private static boolean complete(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        HttpResult head = parse(raw);
        String length = head.header("content-length");
        return length == null || head.body().length >= Integer.parseInt(length);
    }

    private static HttpResult parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        return new HttpResult(status, headers, raw.substring(end + 4).getBytes(StandardCharsets.UTF_8));
    }

    private static void assertJsonError(HttpResult r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.error()).isEqualTo(code);
        assertThat(r.message()).isNotBlank();
    }

    // -------------------------------------------------------------------------------------- tests

    @Test
    void oversizedBodyWithContentLengthIs413JsonAndClosesTheConnection() {
        send("POST /socket/message HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
                + (MAX_PAYLOAD + 1) + "\r\n\r\n");

        assertJsonError(response(), 413, "payload_too_large");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void oversizedChunkedBodyIs413Json() {
        String chunk = "x".repeat(MAX_PAYLOAD);
        String body = Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n";

        send(
                "POST /socket/message HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
                body.getBytes(StandardCharsets.US_ASCII));

        assertJsonError(response(), 413, "payload_too_large");
    }

    @Test
    void preflightFromAnAllowedOriginIs204WithAllowHeaders() {
        send("OPTIONS /socket/message HTTP/1.1\r\nHost: t\r\nOrigin: " + ORIGIN
                + "\r\nAccess-Control-Request-Method: POST\r\n\r\n");

        HttpResult r = response();
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(r.header("Access-Control-Allow-Headers")).contains("X-Socket-Serve-Session");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void preflightFromAnotherOriginIs403Json() {
        send("OPTIONS /socket/message HTTP/1.1\r\nHost: t\r\nOrigin: http://evil.test\r\n"
                + "Access-Control-Request-Method: POST\r\n\r\n");

        HttpResult r = response();
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isNotBlank();
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void unknownStaticPathIs404Json() {
        send("GET /nothing-here.html HTTP/1.1\r\nHost: t\r\n\r\n");

        assertJsonError(response(), 404, "not_found");
    }

    @Test
    void unknownPathUnderTheBaseIs404Json() {
        send("GET /socket/nothing HTTP/1.1\r\nHost: t\r\n\r\n");

        assertJsonError(response(), 404, "not_found");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        send("GET /socket/message HTTP/1.1\r\nHost: t\r\n\r\n");

        HttpResult r = response();
        assertJsonError(r, 405, "method_not_allowed");
        assertThat(r.header("Allow")).isEqualTo("POST");
    }

    @Test
    void everyAnswerCarriesTheProtocolHeader() {
        send("GET /socket/message HTTP/1.1\r\nHost: t\r\n\r\n");

        assertThat(response().header("X-Socket-Serve-Protocol")).isEqualTo("1");
    }

    @Test
    void malformedRequestLineIs400Json() {
        send("THIS IS NOT HTTP\r\n\r\n");

        HttpResult r = response();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isNotBlank();
    }

    @Test
    void keepAliveConnectionAnswersRequestsInOrder() {
        send("GET /socket/message HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpResult first = response();
        send("GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpResult second = response();

        assertThat(first.status()).isEqualTo(405);
        assertThat(second.status()).isEqualTo(404);
        assertThat(channel.isOpen()).isTrue();
    }
}
