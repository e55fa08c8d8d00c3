package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** gzip for complete responses when the client accepts it; never for event streams. */
class CompressionIT {

    private final TestServer ts = TestServer.start();

    @AfterEach
    void stop() {
        ts.close();
    }

    @Test
    void aLargePollAnswerIsGzippedAndDecodesToTheSameMessages() throws Exception {
        TestClient c = ts.connectedClient();
        ts.server().socket(c.id()).orElseThrow().join("r");
        for (int i = 0; i < 200; i++) {
            ts.server()
                    .to("r")
                    .emit("tick", Map.of("i", i, "text", "the same words again and again"))
                    .toCompletableFuture()
                    .join();
        }
        HttpResult plain = c.rawGet("/sse?transport=polling&after=0&sessionId=" + c.credential(), Map.of());
        HttpResult gzipped = c.rawGet(
                "/sse?transport=polling&after=0&sessionId=" + c.credential(), Map.of("Accept-Encoding", "gzip"));

        assertThat(gzipped.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(plain.header("Content-Encoding")).isNull();
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes();
        assertThat(new String(unzipped, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(plain.text());
        System.out.printf(
                "CompressionIT: poll answer of 200 messages: %d bytes plain, %d bytes gzip (%.1f%%)%n",
                plain.body().length, gzipped.body().length, 100.0 * gzipped.body().length / plain.body().length);
        assertThat(gzipped.body().length).isLessThan(plain.body().length / 4);
    }

    @Test
    void smallAnswersAndEventStreamsAreNotCompressed() {
        TestClient c = ts.connectedClient();
        HttpResult small =
                c.rawGet("/sse?transport=polling&sessionId=" + c.credential(), Map.of("Accept-Encoding", "gzip"));
        assertThat(small.header("Content-Encoding")).isNull();
        HttpResult stream = c.tryOpenStream(Map.of(), Map.of("Accept-Encoding", "gzip"));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Content-Encoding")).isNull();
        c.closeStream();
    }
}
