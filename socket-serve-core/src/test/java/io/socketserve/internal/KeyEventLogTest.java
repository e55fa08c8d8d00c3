package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.transport.SocketEndpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Key events on the {@code io.socketserve.sessions} logger carry the MDC fields instance, namespace
 * and session public id, and never the credential.
 */
class KeyEventLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Logger logger;
    private Level level;
    private SocketServer server;
    private SocketEndpoint endpoint;

    @BeforeEach
    void start() {
        logger = (Logger) LoggerFactory.getLogger("io.socketserve.sessions");
        level = logger.getLevel();
        logger.setLevel(Level.INFO);
        events.start();
        logger.addAppender(events);
        server = SocketServer.create(
                ServerOptions.builder().eventRateLimit(0.001, 1).build());
        server.on("x", (socket, data, ack) -> {});
        endpoint = SocketEndpoint.of(server);
    }

    @AfterEach
    void stop() {
        server.close();
        logger.detachAppender(events);
        logger.setLevel(level);
    }

    private JsonNode call(Requests r) throws Exception {
        return JSON.readTree(endpoint.handle(r)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .body());
    }

    @Test
    void connectRateLimitAndDisconnectAreLoggedWithTheirFieldsAndNoCredential() throws Exception {
        JsonNode connected = call(Requests.post("/connect", "{\"namespace\":\"/\"}"));
        String credential = connected.get("sessionId").asText();
        String id = connected.get("id").asText();
        String message = "{\"sessionId\":\"" + credential + "\",\"event\":\"x\",\"data\":1}";
        call(Requests.post("/message", message));
        call(Requests.post("/message", message)); // over the limit
        call(Requests.post("/disconnect", "{\"sessionId\":\"" + credential + "\"}"));

        List<ILoggingEvent> logged = events.list;
        assertThat(logged)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).startsWith("connected from"))
                .anySatisfy(m -> assertThat(m).startsWith("rate limit hit: too many events"))
                .anySatisfy(m -> assertThat(m).isEqualTo("disconnected: client namespace disconnect"));
        String instance = server.stats().instance();
        for (ILoggingEvent e : logged) {
            Map<String, String> mdc = e.getMDCPropertyMap();
            assertThat(mdc)
                    .containsEntry("socketserve.instance", instance)
                    .containsEntry("socketserve.namespace", "/")
                    .containsEntry("socketserve.session", id);
            assertThat(e.getFormattedMessage()).doesNotContain(credential);
            assertThat(mdc.values()).noneMatch(v -> v.contains(credential));
        }
        assertThat(org.slf4j.MDC.getCopyOfContextMap()).isNullOrEmpty();
    }
}
