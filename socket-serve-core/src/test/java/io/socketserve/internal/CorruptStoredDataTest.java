package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.transport.SocketEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A stored value that is not JSON (session data, a shared value, a presence state) is an error that
 * names the value, logged at WARN — never read as {@code null} or an anonymous exception (issue 13).
 */
class CorruptStoredDataTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CORRUPT = "{\"unterminated\":";

    private final InMemoryBackend backend = new InMemoryBackend();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger jsonLog = (Logger) LoggerFactory.getLogger(Json.class);
    private SocketServer server;

    @BeforeEach
    void start() {
        appender.start();
        jsonLog.addAppender(appender);
        server = SocketServer.create(ServerOptions.builder().backend(backend).build());
    }

    @AfterEach
    void stop() {
        server.close();
        jsonLog.detachAppender(appender);
    }

    @Test
    void corruptSessionDataIsAnErrorNamingTheKey() throws Exception {
        CompletableFuture<Throwable> read = new CompletableFuture<>();
        server.on("read", (socket, data, ack) -> {
            backend.putData(socket.id(), "cart", CORRUPT).toCompletableFuture().join();
            try {
                read.complete(new AssertionError("read as " + socket.data().get("cart")));
            } catch (RuntimeException e) {
                read.complete(e);
            }
        });
        SocketEndpoint endpoint = SocketEndpoint.of(server);
        String credential = JSON.readTree(endpoint.handle(Requests.post("/connect", ""))
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS)
                        .body())
                .get("sessionId")
                .asText();
        endpoint.handle(Requests.post("/message", "{\"sessionId\":\"" + credential + "\",\"event\":\"read\"}"));

        Throwable error = read.get(5, TimeUnit.SECONDS);
        assertThat(error).isInstanceOf(SocketServeException.class).hasMessageContaining("session data 'cart'");
        assertThat(((SocketServeException) error).code()).isEqualTo("corrupt_data");
        assertWarned("session data 'cart'");
    }

    @Test
    void aCorruptSharedValueIsAnErrorNamingTheKey() {
        backend.kvPut("config", CORRUPT, 60_000).toCompletableFuture().join();
        assertThatThrownBy(() -> server.store().get("config"))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("shared value 'config'")
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> server.store().get("config", java.util.Map.class))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("shared value 'config'");
        assertWarned("shared value 'config'");
    }

    @Test
    void aCorruptPresenceStateIsAnErrorNotANullState() {
        createSession(backend, "s1");
        backend.presenceEnter(
                        "s1",
                        "lobby",
                        "ann",
                        CORRUPT,
                        System.currentTimeMillis() + 60_000,
                        "{}".getBytes(StandardCharsets.UTF_8),
                        null)
                .toCompletableFuture()
                .join();
        assertThatThrownBy(() -> server.presence("lobby"))
                .isInstanceOf(SocketServeException.class)
                .hasMessageContaining("presence state of user 'ann'");
        assertWarned("presence state of user 'ann'");
    }

    private void assertWarned(String containing) {
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(appender.list).anySatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).contains(containing);
                }));
    }

    /** Creates a bare session in the backend, as the engine would. */
    private static void createSession(InMemoryBackend backend, String id) {
        backend.createSession(
                        new io.socketserve.spi.SessionRecord(
                                id, "hash", "/", System.currentTimeMillis(), 0, 0, java.util.Map.of()),
                        System.currentTimeMillis() + 60_000)
                .toCompletableFuture()
                .join();
    }
}
