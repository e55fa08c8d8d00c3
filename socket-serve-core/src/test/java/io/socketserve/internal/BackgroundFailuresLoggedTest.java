package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.testing.ExpectedFailure;
import io.socketserve.testing.FailingBackend;
import io.socketserve.transport.SocketEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The engine's background work (session heartbeats and expiry sweeps, presence heartbeats, refreshes
 * and sweeps) used to drop backend failures with no log, or at DEBUG (issue 13). Each now writes a
 * WARN naming what failed, rate-limited.
 */
class BackgroundFailuresLoggedTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers = List.of(logger(Liveness.class), logger(Presence.class));
    private SocketServer server;

    private static Logger logger(Class<?> type) {
        return (Logger) LoggerFactory.getLogger(type);
    }

    private void start() throws Exception {
        appender.start();
        loggers.forEach(l -> l.addAppender(appender));
        Backend backend = FailingBackend.wrap(
                new InMemoryBackend(),
                method -> failing.contains(method) ? new ExpectedFailure("the backend refuses " + method) : null);
        server = SocketServer.create(ServerOptions.builder()
                .backend(backend)
                .sessionTimeout(Duration.ofMillis(600))
                .expirySweepInterval(Duration.ofMillis(50))
                .presenceHeartbeat(Duration.ofMillis(100))
                .build());
        server.on("track", (socket, data, ack) -> {
            socket.join("lobby");
            socket.track("lobby", "ann", java.util.Map.of("s", 1));
        });
        // one polling client, attached by a long-poll so that the heartbeats have a session to refresh
        SocketEndpoint endpoint = SocketEndpoint.of(server);
        String credential = JSON.readTree(endpoint.handle(Requests.post("/connect", ""))
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS)
                        .body())
                .get("sessionId")
                .asText();
        endpoint.handle(Requests.post("/message", "{\"sessionId\":\"" + credential + "\",\"event\":\"track\"}"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        // the first poll takes what is pending (the presence join); the long-poll then stays attached
        endpoint.handle(Requests.get("/sse").query("sessionId", credential).query("transport", "polling"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        endpoint.handle(Requests.get("/sse")
                .query("sessionId", credential)
                .query("transport", "polling")
                .query("wait", "30000"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        loggers.forEach(l -> l.detachAppender(appender));
    }

    private void awaitWarning(String containing) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(appender.list.stream()
                        .filter(e -> e.getLevel() == Level.WARN)
                        .map(ILoggingEvent::getFormattedMessage))
                .anySatisfy(m -> assertThat(m).contains(containing)));
    }

    @Test
    void aFailedSessionHeartbeatIsAWarning() throws Exception {
        start();
        failing.add("touchSessions");
        awaitWarning("session heartbeat failed");
    }

    @Test
    void aFailedExpirySweepIsAWarning() throws Exception {
        start();
        failing.add("expiredSessions");
        awaitWarning("expiry sweep failed");
    }

    @Test
    void aFailedPresenceRefreshIsAWarning() throws Exception {
        start();
        failing.add("presenceRefresh");
        awaitWarning("presence refresh of 1 session(s) failed");
    }

    @Test
    void aFailedPresenceSweepIsAWarning() throws Exception {
        start();
        failing.add("presenceLapsed");
        awaitWarning("presence sweep failed");
    }
}
