package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, finding 1: one client sending 1,000,000-character messages to a room nobody was in
 * filled a 1 GB heap, because every retained log (this instance's recent entries, the in-memory log,
 * the Redis stream) was bounded by count only. Each is now bounded by bytes and age too, and a
 * per-session byte budget keeps one session from taking the whole window. The retained sizes are
 * what the structures account, not a GC measurement.
 */
class LogBoundsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;
    private static final String MEGA_TEXT = "x".repeat(1_000_000);

    private SocketServer server;
    private SocketEndpoint endpoint;

    private void startWith(ServerOptions.Builder options) {
        server = SocketServer.create(options.eventRateLimit(0, 1).build());
        endpoint = SocketEndpoint.of(server);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(
                        data.path("room").asText(),
                        "said",
                        Map.of("text", data.path("text").asText())));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private record Client(String credential, String id) {}

    private Client connect() throws Exception {
        JsonNode body = json(call(Requests.post("/connect", "")), 200);
        return new Client(body.get("sessionId").asText(), body.get("id").asText());
    }

    private TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static JsonNode json(TransportResponse response, int status) throws Exception {
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.status()).as("status of %s", body).isEqualTo(status);
        return body;
    }

    private TransportResponse emit(Client c, String event, String data) throws Exception {
        return call(Requests.post(
                "/message",
                "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data + "}"));
    }

    private static String say(String room, String text) {
        return "{\"room\":\"" + room + "\",\"text\":\"" + text + "\"}";
    }

    private RecordingSink open(Client c, long lastEventId) throws Exception {
        RecordingSink sink = new RecordingSink();
        Requests r = Requests.get("/sse").query("sessionId", c.credential());
        if (lastEventId >= 0) {
            r.header("Last-Event-ID", Long.toString(lastEventId));
        }
        TransportResponse error =
                endpoint.openStream(r, sink).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(error).as("stream opened").isNull();
        sink.assertEvent("connected");
        return sink;
    }

    private DefaultSocketServer engine() {
        return (DefaultSocketServer) server;
    }

    private void awaitDispatcherCaughtUp() throws Exception {
        long head = engine().backend().head().toCompletableFuture().get();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> engine().dispatcher().processedPosition().single() >= head);
    }

    /** A victim's position before the flood; the flood; what each log retained; the resume. */
    @Test
    void twoHundredMegabyteMessagesToAnEmptyRoomStayWithinTheByteBound() throws Exception {
        long bound = 16 * MIB;
        startWith(ServerOptions.builder().recoveryMaxBytes(bound).sessionLogBytesPerWindow(0));
        Client victim = connect();
        Client flooder = connect();
        RecordingSink first = open(victim, -1);
        json(emit(victim, "join", "{\"room\":\"r\"}"), 200);
        json(emit(victim, "say", say("r", "before")), 200);
        long last = first.assertEvent("said").position();
        first.drop();

        long peakRecent = 0;
        long peakBackend = 0;
        InMemoryBackend memory = (InMemoryBackend) engine().backend();
        for (int i = 0; i < 200; i++) {
            json(emit(flooder, "say", say("nobody", MEGA_TEXT)), 200);
            if (i % 10 == 9) {
                awaitDispatcherCaughtUp();
                peakRecent = Math.max(peakRecent, engine().dispatcher().recentRetained()[0]);
                peakBackend = Math.max(peakBackend, memory.retainedLogBytes());
            }
        }
        awaitDispatcherCaughtUp();
        long[] recent = engine().dispatcher().recentRetained();
        assertThat(peakRecent).isLessThanOrEqualTo(bound);
        assertThat(peakBackend).isLessThanOrEqualTo(bound);
        assertThat(recent[0]).isGreaterThan(bound - 2 * MIB); // it does keep what fits
        assertThat(recent[1]).isEqualTo(bound / 1_000_100); // 16 of the ~1,000,100-byte entries
        System.out.printf(
                "LogBoundsTest: after 200 x 1 MB: recent log %d bytes in %d entries, in-memory log %d bytes%n",
                recent[0], recent[1], memory.retainedLogBytes());

        // The victim is outside the window now: told, as before the change.
        RecordingSink second = open(victim, last);
        JsonNode missed = second.assertEvent("__missed").json();
        assertThat(missed.path("data").path("after").asLong()).isEqualTo(last);
    }

    /**
     * Fairness: with the default budget shape (a bucket per session), a flooder is refused once it
     * has spent its share, with a JSON 429; everyone else's messages stay in the window.
     */
    @Test
    void oneSessionCannotPushEveryoneElsesMessagesOutOfTheWindow() throws Exception {
        startWith(ServerOptions.builder().recoveryMaxBytes(8 * MIB).sessionLogBytesPerWindow(2 * MIB));
        Client victim = connect();
        Client flooder = connect();
        RecordingSink first = open(victim, -1);
        json(emit(victim, "join", "{\"room\":\"r\"}"), 200);
        json(emit(victim, "say", say("r", "before")), 200);
        long last = first.assertEvent("said").position();
        first.drop();
        json(emit(victim, "say", say("r", "while away")), 200);

        int accepted = 0;
        JsonNode refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            TransportResponse r = emit(flooder, "say", say("nobody", MEGA_TEXT));
            if (r.status() == 200) {
                accepted++;
            } else {
                refused = json(r, 429);
            }
        }
        assertThat(accepted).isEqualTo(2); // 2 MiB holds two ~1,000,100-byte entries
        assertThat(refused).isNotNull();
        assertThat(refused.path("error").asText()).isEqualTo("log_budget_exceeded");
        assertThat(refused.path("message").asText()).contains("recovery window");
        // the flooder can still send small things for a while, and others are not affected
        json(emit(victim, "say", say("r", "after")), 200);

        awaitDispatcherCaughtUp();
        RecordingSink second = open(victim, last);
        assertThat(second.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("while away");
        assertThat(second.assertEvent("said").json().path("data").path("text").asText())
                .isEqualTo("after");
        second.assertExhausted();
    }
}
