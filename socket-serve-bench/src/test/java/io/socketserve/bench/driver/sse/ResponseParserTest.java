package io.socketserve.bench.driver.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator's HTTP response and SSE parsing, fed in pieces of every size. */
class ResponseParserTest {

    private static final String SSE_RESPONSE = "HTTP/1.1 200 OK\r\n"
            + "content-type: text/event-stream; charset=utf-8\r\n"
            + "transfer-encoding: chunked\r\n\r\n"
            + chunk("retry: 1000\ndata: {\"event\":\"connected\",\"data\":{\"id\":\"x\"}}\n\n")
            + chunk("id: 42\ndata: {\"event\":\"m\",\"data\":{\"seq\":7,\"t\":99}}\n\n")
            + chunk(": keepalive\n\n")
            + chunk("id: 43\ndata: {\"a\":1}\n\nid: 44\ndata: {\"b\":2}\n\n")
            + "0\r\n\r\n";

    private static String chunk(String s) {
        return Integer.toHexString(s.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + s + "\r\n";
    }

    /** Records what the parsers saw. */
    private static final class Recorder implements ResponseParser.Handler, SseParser.Handler {
        final SseParser sse = new SseParser(this);
        final List<String> events = new ArrayList<>();
        final List<String> responses = new ArrayList<>();
        int comments;
        boolean ended;
        boolean stream;

        @Override
        public boolean onHead(int status, String contentType) {
            stream = contentType.startsWith("text/event-stream");
            return stream;
        }

        @Override
        public void onBodyPart(ByteBuf buf, int index, int length) {
            sse.feed(buf, index, length);
        }

        @Override
        public void onResponse(int status, byte[] body) {
            responses.add(status + " " + new String(body, StandardCharsets.UTF_8));
        }

        @Override
        public void onStreamEnd() {
            ended = true;
        }

        @Override
        public void onEvent(long id, byte[] data, int length) {
            events.add(id + " " + new String(data, 0, length, StandardCharsets.UTF_8));
        }

        @Override
        public void onComment() {
            comments++;
        }
    }

    @Test
    void parsesAChunkedEventStreamWhateverTheReadBoundaries() {
        byte[] bytes = SSE_RESPONSE.getBytes(StandardCharsets.UTF_8);
        for (int piece = 1; piece <= bytes.length; piece++) {
            Recorder r = new Recorder();
            ResponseParser p = new ResponseParser(r);
            for (int i = 0; i < bytes.length; i += piece) {
                p.feed(Unpooled.wrappedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
            }
            assertThat(r.events)
                    .as("piece size %d", piece)
                    .containsExactly(
                            "-1 {\"event\":\"connected\",\"data\":{\"id\":\"x\"}}",
                            "42 {\"event\":\"m\",\"data\":{\"seq\":7,\"t\":99}}",
                            "43 {\"a\":1}",
                            "44 {\"b\":2}");
            assertThat(r.comments).isEqualTo(1);
            assertThat(r.ended).isTrue();
        }
    }

    @Test
    void aggregatesContentLengthResponsesOnAKeepAliveConnection() {
        Recorder r = new Recorder();
        ResponseParser p = new ResponseParser(r);
        p.feed(Unpooled.copiedBuffer(
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
                StandardCharsets.UTF_8));
        assertThat(r.responses).containsExactly("200 {}", "404 ");
    }

    @Test
    void readsNumbersOutOfAFrameWithoutParsingIt() {
        byte[] json = "{\"event\":\"m\",\"data\":{\"room\":\"r0\",\"seq\":123,\"t\":456789},\"timestamp\":1}"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(Bytes.longAfter(json, json.length, "\"seq\":".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(123);
        assertThat(Bytes.longAfter(json, json.length, "\"t\":".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(456789);
        assertThat(Bytes.longAfter(json, json.length, "\"nope\":".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(-1);
    }
}
