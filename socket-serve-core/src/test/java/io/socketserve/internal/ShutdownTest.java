package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.SocketServer;
import io.socketserve.transport.TransportResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Stopping a server while clients are attached is silent and correct (issue 11): every pending
 * long-poll gets an answer, every stream ends, nothing is logged at WARN or above and no thread dies
 * of an uncaught exception (a late detach used to hit the stopped dispatcher with a
 * RejectedExecutionException).
 */
class ShutdownTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ILoggingEvent> warnings = new CopyOnWriteArrayList<>();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                warnings.add(event);
            }
        }
    };
    private Thread.UncaughtExceptionHandler previousHandler;

    @BeforeEach
    void capture() {
        appender.start();
        root().addAppender(appender);
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> uncaught.add(error));
    }

    @AfterEach
    void release() {
        root().detachAppender(appender);
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void shutdownWithPollsAndStreamsAttachedAnswersThemAndLogsNothing() throws Exception {
        SocketServer server = SocketServer.create();
        DefaultSocketServer engine = (DefaultSocketServer) server;
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<TransportResponse>> polls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode session = connect(server);
            ids.add(session.get("id").asText());
            polls.add(io.socketserve.transport.SocketEndpoint.of(server)
                    .handle(Requests.get("/sse")
                            .query("transport", "polling")
                            .query("sessionId", session.get("sessionId").asText())
                            .query("wait", "30000"))
                    .toCompletableFuture());
        }
        JsonNode streaming = connect(server);
        ids.add(streaming.get("id").asText());
        RecordingSink sink = new RecordingSink();
        io.socketserve.transport.SocketEndpoint.of(server)
                .openStream(
                        Requests.get("/sse")
                                .query("sessionId", streaming.get("sessionId").asText()),
                        sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        sink.assertEvent("connected");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.dispatcher()
                .attachedIds()
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .containsAll(ids));
        List<Thread> dispatchers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("socket-serve-dispatcher"))
                .toList();

        server.close();
        for (Thread t : dispatchers) {
            t.join(5_000);
        }

        for (CompletableFuture<TransportResponse> poll : polls) {
            TransportResponse answer = poll.get(5, TimeUnit.SECONDS);
            assertThat(answer.status())
                    .as("a pending poll is answered at shutdown")
                    .isLessThan(500);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.closed);
        assertThat(uncaught).as("uncaught exceptions").isEmpty();
        assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    @Test
    void shutdownOfAnInMemoryServerEndsItsSessionsOnceWithServerShuttingDown() throws Exception {
        SocketServer server = SocketServer.create();
        List<String> ended = new CopyOnWriteArrayList<>();
        server.onDisconnect((socket, reason) -> ended.add(socket.id() + " " + reason));
        JsonNode streaming = connect(server);
        JsonNode detached = connect(server);
        RecordingSink sink = new RecordingSink();
        io.socketserve.transport.SocketEndpoint.of(server)
                .openStream(
                        Requests.get("/sse")
                                .query("sessionId", streaming.get("sessionId").asText()),
                        sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        sink.assertEvent("connected");

        server.close();

        assertThat(ended)
                .containsExactlyInAnyOrder(
                        streaming.get("id").asText() + " SERVER_SHUTTING_DOWN",
                        detached.get("id").asText() + " SERVER_SHUTTING_DOWN");
        assertThat(sink.assertEvent("__disconnect")
                        .json()
                        .path("data")
                        .path("reason")
                        .asText())
                .isEqualTo("server shutting down");
        assertThat(warnings).isEmpty();
    }

    private static JsonNode connect(SocketServer server) throws Exception {
        TransportResponse r = io.socketserve.transport.SocketEndpoint.of(server)
                .handle(Requests.post("/connect", ""))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
