package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events with a sequence number ({@code seq}) run at most once per session: a retry gets the first
 * answer, a retry while the first attempt runs gets {@code 409}, an attempt with an unknown outcome
 * ({@code 503}) is run again by the retry without appending anything twice (issue 13, findings 2
 * and 3). Events without {@code seq} (the original client) run every time.
 */
class IdempotentEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private SocketServer server;
    private SocketEndpoint endpoint;
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger flakyRuns = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    @BeforeEach
    void start() {
        server = SocketServer.create(ServerOptions.builder().build());
        endpoint = SocketEndpoint.of(server);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on("count", (socket, data, ack) -> {
            int n = runs.incrementAndGet();
            socket.broadcastToRoom("r", "counted", Map.of("n", n));
            ack.send(Map.of("n", n));
        });
        server.on("slow", (socket, data, ack) -> {
            runs.incrementAndGet();
            try {
                gate.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ack.send("done");
        });
        // Broadcasts, then fails as a timed-out backend write would on its first run only.
        server.on("flaky", (socket, data, ack) -> {
            socket.broadcastToRoom("r", "flaky", Map.of("text", "once"));
            if (flakyRuns.incrementAndGet() == 1) {
                throw new SocketServeException("unavailable", "the backend did not answer", 503);
            }
            ack.send("ok");
        });
        server.on("refuse", (socket, data, ack) -> {
            runs.incrementAndGet();
            throw new SocketServeException("not_allowed", "no", 403);
        });
        server.on("marker", (socket, data, ack) -> socket.broadcastToRoom("r", "marker", Map.of()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String connect() throws Exception {
        return json(call(Requests.post("/connect", ""))).get("sessionId").asText();
    }

    private TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static JsonNode json(TransportResponse response) throws Exception {
        return JSON.readTree(response.body());
    }

    private TransportResponse emit(String credential, String event, String extra) throws Exception {
        return call(Requests.post(
                "/message",
                "{\"sessionId\":\"" + credential + "\",\"event\":\"" + event + "\",\"data\":{\"room\":\"r\"}" + extra
                        + "}"));
    }

    private RecordingSink listen(String credential) throws Exception {
        assertThat(emit(credential, "join", "").status()).isEqualTo(200);
        RecordingSink sink = new RecordingSink();
        TransportResponse error = endpoint.openStream(Requests.get("/sse").query("sessionId", credential), sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(error).isNull();
        sink.assertEvent("connected");
        return sink;
    }

    /** Everything the room got before the marker: what came after a retry cannot hide behind it. */
    private void assertNextIsTheMarker(String credential, RecordingSink sink) throws Exception {
        assertThat(emit(credential, "marker", "").status()).isEqualTo(200);
        sink.assertEvent("marker");
    }

    @Test
    void aRetryGetsTheFirstAnswerAndTheHandlerRunsOnce() throws Exception {
        String c = connect();
        RecordingSink room = listen(connect());
        String ack = ",\"messageId\":\"m1\",\"requiresAck\":true,\"ackInResponse\":true,\"seq\":1";
        TransportResponse first = emit(c, "count", ack);
        TransportResponse retry = emit(c, "count", ack);
        assertThat(first.status()).isEqualTo(200);
        assertThat(json(first).path("ack").path("n").asInt()).isEqualTo(1);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(runs).hasValue(1);
        assertThat(room.assertEvent("counted").json().path("data").path("n").asInt())
                .isEqualTo(1);
        assertNextIsTheMarker(c, room);
    }

    @Test
    void eachSequenceNumberRunsOnce() throws Exception {
        String c = connect();
        for (int seq = 1; seq <= 3; seq++) {
            assertThat(emit(c, "count", ",\"seq\":" + seq).status()).isEqualTo(200);
            assertThat(emit(c, "count", ",\"seq\":" + seq).status()).isEqualTo(200);
        }
        assertThat(runs).hasValue(3);
    }

    @Test
    void withoutASequenceNumberEveryPostRuns() throws Exception {
        String c = connect();
        emit(c, "count", "");
        emit(c, "count", "");
        assertThat(runs).hasValue(2);
    }

    @Test
    void sessionsHaveTheirOwnSequenceNumbers() throws Exception {
        String a = connect();
        String b = connect();
        emit(a, "count", ",\"seq\":1");
        emit(b, "count", ",\"seq\":1");
        assertThat(runs).hasValue(2);
    }

    @Test
    void aRetryWhileTheFirstAttemptRunsIsToldToRetryLater() throws Exception {
        String c = connect();
        gate = new CountDownLatch(1);
        CompletableFuture<TransportResponse> first = CompletableFuture.supplyAsync(() -> {
            try {
                return emit(c, "slow", ",\"seq\":7");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> runs.get() == 1);
        TransportResponse during = emit(c, "slow", ",\"seq\":7");
        assertThat(during.status()).isEqualTo(409);
        assertThat(json(during).path("error").asText()).isEqualTo("event_in_progress");
        assertThat(during.headers()).containsEntry("Retry-After", "1");
        gate.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(emit(c, "slow", ",\"seq\":7").status()).isEqualTo(200);
        assertThat(runs).hasValue(1);
    }

    @Test
    void anAttemptWithAnUnknownOutcomeRunsAgainWithoutAppendingTwice() throws Exception {
        String c = connect();
        RecordingSink room = listen(connect());
        TransportResponse first = emit(c, "flaky", ",\"seq\":1");
        assertThat(first.status()).isEqualTo(503);
        assertThat(first.headers()).containsEntry("Retry-After", "1");
        TransportResponse retry = emit(c, "flaky", ",\"seq\":1");
        assertThat(retry.status()).isEqualTo(200);
        assertThat(flakyRuns).hasValue(2);
        // the first run's broadcast was committed; the second run's identical append is not repeated
        room.assertEvent("flaky");
        assertNextIsTheMarker(c, room);
        assertThat(emit(c, "flaky", ",\"seq\":1").status()).isEqualTo(200);
        assertThat(flakyRuns).hasValue(2);
    }

    @Test
    void anErrorAnswerIsKeptLikeAnyOther() throws Exception {
        String c = connect();
        TransportResponse first = emit(c, "refuse", ",\"seq\":1");
        TransportResponse retry = emit(c, "refuse", ",\"seq\":1");
        assertThat(first.status()).isEqualTo(403);
        assertThat(retry.status()).isEqualTo(403);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(runs).hasValue(1);
    }

    @Test
    void aSequenceNumberOlderThanTheWindowIsRefused() throws Exception {
        String c = connect();
        for (int seq = 1; seq <= EventInvoker.EVENT_WINDOW + 1; seq++) {
            assertThat(emit(c, "count", ",\"seq\":" + seq).status()).isEqualTo(200);
        }
        TransportResponse stale = emit(c, "count", ",\"seq\":1");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(json(stale).path("error").asText()).isEqualTo("stale_sequence");
        assertThat(runs).hasValue(EventInvoker.EVENT_WINDOW + 1);
    }

    @Test
    void aSequenceNumberThatIsNotAPositiveSafeIntegerIsABadRequest() throws Exception {
        String c = connect();
        for (String bad : new String[] {"0", "-1", "1.5", "\"1\"", "true", "9007199254740992", "1e400"}) {
            TransportResponse r = emit(c, "count", ",\"seq\":" + bad);
            assertThat(r.status()).as("seq %s", bad).isEqualTo(400);
            assertThat(json(r).path("error").asText()).as("seq %s", bad).isEqualTo("invalid_field");
            assertThat(json(r).path("message").asText()).as("seq %s", bad).contains("'seq'");
        }
        assertThat(runs).hasValue(0);
        assertThat(emit(c, "count", ",\"seq\":9007199254740991").status()).isEqualTo(200);
    }

    @Test
    void controlEventsIgnoreTheSequenceNumber() throws Exception {
        String c = connect();
        assertThat(emit(c, "__ping", ",\"seq\":1").status()).isEqualTo(200);
        assertThat(emit(c, "__ping", ",\"seq\":1").status()).isEqualTo(200);
        assertThat(emit(c, "count", ",\"seq\":1").status()).isEqualTo(200);
        assertThat(runs).hasValue(1);
    }
}
