package io.socketserve.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.testing.PausableLogBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * {@code /actuator/health/socketServe} on real Tomcat reports a stalled log reader: the application's
 * backend (in memory) answers, but its log subscription is held up ({@link PausableLogBackend}) while
 * the log grows. After {@code socketserve.reader-stall-timeout} the indicator is {@code DOWN} (503)
 * with an {@code error} detail saying the reader is stalled, and {@code UP} again once the reader
 * catches up.
 */
@SpringBootTest(
        classes = ChatTestApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "socketserve.path=/rt",
            "socketserve.reader-stall-timeout=1s",
            "management.endpoint.health.show-details=always"
        })
@Import(StalledReaderHealthIT.HeldUpLog.class)
class StalledReaderHealthIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The application's own backend: the starter uses it instead of creating one. */
    @TestConfiguration(proxyBeanMethods = false)
    static class HeldUpLog {
        @Bean
        PausableLogBackend pausableLog() {
            return new PausableLogBackend(new InMemoryBackend());
        }

        @Bean
        Backend pausableBackend(PausableLogBackend log) {
            return log.backend();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    SocketServer server;

    @Autowired
    PausableLogBackend log;

    @AfterEach
    void resume() {
        log.resume();
    }

    private record Answer(int status, JsonNode body) {}

    private Answer health() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/socketServe"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    @Test
    void downWithTheReaderStalledAndUpAgainWhenItCatchesUp() throws Exception {
        Answer up = health();
        assertThat(up.status()).as("%s", up.body()).isEqualTo(200);
        assertThat(up.body().path("status").asText()).isEqualTo("UP");
        assertThat(up.body().path("details").path("readerStalled").asBoolean()).isFalse();

        log.pause();
        server.emit("news", Map.of("n", 1)).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> health().status() == 503);
        Answer down = health();
        JsonNode details = down.body().path("details");
        assertThat(down.body().path("status").asText()).isEqualTo("DOWN");
        assertThat(details.path("readerStalled").asBoolean()).isTrue();
        assertThat(details.path("error").asText())
                .startsWith("the log reader is stalled: no progress for ")
                .contains("readerStallTimeout 1000 ms");
        assertThat(details.path("readerPosition").asLong())
                .isLessThan(details.path("logHead").asLong());

        log.resume();
        await().atMost(WAIT).until(() -> health().status() == 200);
        Answer again = health();
        assertThat(again.body().path("status").asText()).isEqualTo("UP");
        assertThat(again.body().path("details").path("readerPosition").asLong())
                .isEqualTo(again.body().path("details").path("logHead").asLong());
        assertThat(again.body().path("details").has("error")).isFalse();
    }
}
