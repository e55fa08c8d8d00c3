package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.RawHttp;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TransportFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Opt-in gzip for event streams ({@code EmbeddedServer.Builder#streamCompression}, {@code
 * SocketServeServlet#streamCompression}): negotiated by
 * {@code Accept-Encoding}, every frame decodable as soon as it arrives (flushed per frame), the
 * gzip trailer when the server ends the stream, and plain streams for clients that do not accept
 * gzip. Reads the raw chunked bytes from a socket, so what is checked is what goes on the wire.
 */
class StreamCompressionIT {

    private final SocketServer server = SocketServer.create(ServerOptions.builder()
            .eventRateLimit(0, 1)
            .connectionRateLimit(0, 1)
            .build());
    // The transport named by -Dsocketserve.transport (Netty here; Tomcat and Jetty in the Servlet
    // module's runs of this suite).
    private final TransportFixture.Running http =
            TransportFixture.selected().start(server, TransportFixture.Connections.DEFAULTS.streamCompression(6));
    private final URI base = URI.create("http://127.0.0.1:" + http.port() + "/socket");

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    /** A raw stream connection that decodes chunked (and, when gzip, deflated) bytes as they come. */
    private final class RawStream implements AutoCloseable {
        final Socket socket = new Socket();
        final InputStream in;
        final RawHttp.Head head;
        final boolean gzip;
        final Inflater inflater = new Inflater(true);
        final StringBuilder text = new StringBuilder();
        long wireBytes;
        int headerLeft = 10;
        boolean crlfPending;
        final ByteArrayOutputStream whole = new ByteArrayOutputStream();

        RawStream(String credential, Map<String, String> headers) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", http.port()), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(RawHttp.request(
                            "GET", base.getPath() + "/sse?sessionId=" + credential, "127.0.0.1", headers, null));
            in = socket.getInputStream();
            head = RawHttp.readHead(in);
            gzip = "gzip".equals(first("Content-Encoding"));
        }

        String first(String header) {
            for (var e : head.headers().entrySet()) {
                if (e.getKey().equalsIgnoreCase(header)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        /** Reads chunks until the decoded text contains {@code needle}; false at the end of the body. */
        boolean readUntil(String needle) throws IOException, DataFormatException {
            while (!text.toString().contains(needle)) {
                if (crlfPending) {
                    // The CRLF that ends a chunk may come with the next chunk's size (Jetty writes it
                    // so): read it only now, so that a chunk is decoded as soon as its data is here.
                    in.readNBytes(2);
                    crlfPending = false;
                }
                String sizeLine = line();
                int size = Integer.parseInt(sizeLine.trim(), 16);
                if (size == 0) {
                    return false;
                }
                byte[] chunk = in.readNBytes(size);
                crlfPending = true;
                wireBytes += size;
                whole.write(chunk);
                decode(chunk);
            }
            return true;
        }

        private void decode(byte[] chunk) throws DataFormatException {
            if (!gzip) {
                text.append(new String(chunk, StandardCharsets.UTF_8));
                return;
            }
            int off = Math.min(headerLeft, chunk.length);
            headerLeft -= off;
            inflater.setInput(chunk, off, chunk.length - off);
            byte[] out = new byte[8192];
            int n;
            while ((n = inflater.inflate(out)) > 0) {
                text.append(new String(out, 0, n, StandardCharsets.UTF_8));
            }
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("end of stream");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            inflater.end();
            socket.close();
        }
    }

    private TestClient connected() {
        TestClient c = new TestClient(base);
        c.connect();
        return c;
    }

    @Test
    void aGzipStreamDeliversEveryFrameAsSoonAsItIsSent() throws Exception {
        TestClient c = connected();
        try (RawStream s = new RawStream(c.credential(), Map.of("Accept-Encoding", "gzip, deflate, br"))) {
            assertThat(s.head.status()).isEqualTo(200);
            assertThat(s.gzip).isTrue();
            assertThat(s.first("Vary")).containsIgnoringCase("accept-encoding");
            assertThat(s.readUntil("\"connected\"")).isTrue();

            var socket = server.socket(c.id()).orElseThrow();
            // One at a time: each must be decodable before the next is sent (nothing held back).
            for (int i = 0; i < 5; i++) {
                socket.emit("hello", Map.of("i", i)).toCompletableFuture().join();
                assertThat(s.readUntil("\"i\":" + i + "}")).isTrue();
            }
            long plainBefore = s.text.length();
            long wireBefore = s.wireBytes;
            for (int i = 0; i < 200; i++) {
                socket.emit("chat", Map.of("from", "ada", "text", "the build is green again, see the numbers " + i))
                        .toCompletableFuture()
                        .join();
            }
            assertThat(s.readUntil("numbers 199\"")).isTrue();
            long plain = s.text.length() - plainBefore;
            long wire = s.wireBytes - wireBefore;
            assertThat(wire)
                    .as("%d bytes on the wire for %d bytes of frames", wire, plain)
                    .isLessThan(plain / 2);
            assertThat(s.text.toString()).contains("\"text\":\"the build is green again, see the numbers 0\"");
        }
    }

    @Test
    void theServerEndingTheStreamWritesTheGzipTrailer() throws Exception {
        TestClient c = connected();
        try (RawStream s = new RawStream(c.credential(), Map.of("Accept-Encoding", "gzip"))) {
            assertThat(s.readUntil("\"connected\"")).isTrue();
            server.socket(c.id()).orElseThrow().disconnect();
            assertThat(s.readUntil("no such text")).isFalse(); // read to the last chunk
            // The whole body is one valid gzip member: CRC and size check out.
            String all = new String(
                    new GZIPInputStream(new ByteArrayInputStream(s.whole.toByteArray())).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(all).contains("\"connected\"").contains("__disconnect");
        }
    }

    @Test
    void clientsThatDoNotAcceptGzipGetAPlainStream() throws Exception {
        for (Map<String, String> headers :
                java.util.List.of(Map.<String, String>of(), Map.of("Accept-Encoding", "gzip;q=0, identity"))) {
            TestClient c = connected();
            try (RawStream s = new RawStream(c.credential(), headers)) {
                assertThat(s.gzip).isFalse();
                assertThat(s.first("Content-Encoding")).isNull();
                assertThat(s.readUntil("\"connected\"")).isTrue();
                server.socket(c.id())
                        .orElseThrow()
                        .emit("plain", 1)
                        .toCompletableFuture()
                        .join();
                assertThat(s.readUntil("\"plain\"")).isTrue();
            }
        }
    }
}
