package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.ServerStats;
import io.socketserve.SocketServer;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SocketServer#stats()}: exact counts and gauges for traffic through the endpoint. */
class ServerStatsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private SocketServer server;
    private SocketEndpoint endpoint;

    @BeforeEach
    void start() {
        startWith(ServerOptions.builder().build());
    }

    private void startWith(ServerOptions options) {
        if (server != null) {
            server.close();
        }
        server = SocketServer.create(options);
        endpoint = SocketEndpoint.of(server);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(data.path("room").asText(), "said", data));
        server.on("track", (socket, data, ack) -> socket.track("lobby", data.asText(), null));
        server.on("fail", (socket, data, ack) -> {
            throw new IllegalStateException("handler failed on purpose");
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Client(String credential, String id) {}

    private Client connect() throws Exception {
        JsonNode body = JSON.readTree(call(Requests.post("/connect", "")).body());
        return new Client(body.get("sessionId").asText(), body.get("id").asText());
    }

    private TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private int emit(Client c, String event, String data) throws Exception {
        return call(Requests.post(
                        "/message",
                        "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data + "}"))
                .status();
    }

    private RecordingSink open(Client c) throws Exception {
        RecordingSink sink = new RecordingSink();
        TransportResponse error = endpoint.openStream(Requests.get("/sse").query("sessionId", c.credential()), sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(error).isNull();
        sink.assertEvent("connected");
        return sink;
    }

    /** Waits (up to 5 s) until the stats satisfy {@code condition}; returns them. */
    private ServerStats await(Predicate<ServerStats> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        ServerStats stats = server.stats();
        while (!condition.test(stats) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            stats = server.stats();
        }
        return stats;
    }

    @Test
    void countsSessionsEventsAndDeliveriesExactly() throws Exception {
        Client a = connect();
        Client b = connect();
        Client c = connect();
        RecordingSink sa = open(a);
        RecordingSink sb = open(b);
        RecordingSink sc = open(c);
        ServerStats opened = await(s -> s.sseSessions() == 3);
        assertThat(opened.streamsOpen()).isEqualTo(3);
        assertThat(opened.connects()).isEqualTo(3);
        assertThat(opened.backend()).isEqualTo("memory");
        assertThat(opened.instance()).hasSize(12);

        assertThat(emit(a, "join", "{\"room\":\"a\"}")).isEqualTo(200);
        assertThat(emit(b, "join", "{\"room\":\"a\"}")).isEqualTo(200);
        ServerStats before = await(s -> s.roomsWithLocalMembers() == 1);
        assertThat(before.roomsWithLocalMembers()).isEqualTo(1);

        assertThat(emit(c, "say", "{\"room\":\"a\"}")).isEqualTo(200);
        sa.assertEvent("said");
        sb.assertEvent("said");
        ServerStats after = await(s -> s.deliveries() >= before.deliveries() + 2);
        assertThat(after.deliveries() - before.deliveries()).isEqualTo(2);
        assertThat(after.emits() - before.emits()).isEqualTo(1);
        assertThat(after.bytesWritten()).isGreaterThan(before.bytesWritten());
        assertThat(after.eventsReceived()).isEqualTo(3);
        assertThat(after.eventsHandled()).isEqualTo(3);
        assertThat(after.handlerDuration().count()).isEqualTo(3);
        assertThat(after.logAppend().count()).isEqualTo(1);
        sc.assertExhausted();

        server.socket(a.id()).orElseThrow().disconnect();
        server.socket(b.id()).orElseThrow().disconnect();
        call(Requests.post("/disconnect", "{\"sessionId\":\"" + c.credential() + "\"}"));
        ServerStats done = await(s -> s.sseSessions() == 0 && s.streamsOpen() == 0 && s.roomsWithLocalMembers() == 0);
        assertThat(done.sseSessions()).isZero();
        assertThat(done.streamsOpen()).isZero();
        assertThat(done.roomsWithLocalMembers()).isZero();
        assertThat(done.disconnects()).containsEntry("server_disconnect", 2L).containsEntry("client_disconnect", 1L);
        assertThat(done.disconnectsTotal()).isEqualTo(3);
    }

    @Test
    void countsFailedEventsAndTheirDuration() throws Exception {
        Client a = connect();
        assertThat(emit(a, "fail", "1")).isEqualTo(500);
        ServerStats s = server.stats();
        assertThat(s.eventsReceived()).isEqualTo(1);
        assertThat(s.eventsFailed()).isEqualTo(1);
        assertThat(s.eventsHandled()).isZero();
        assertThat(s.handlerDuration().count()).isEqualTo(1);
    }

    @Test
    void aWaitingPollCountsAsAPollingSessionUntilAnswered() throws Exception {
        Client a = connect();
        CompletableFuture<TransportResponse> poll = endpoint.handle(Requests.get("/sse")
                        .query("transport", "polling")
                        .query("sessionId", a.credential())
                        .query("after", "0")
                        .query("wait", "10000"))
                .toCompletableFuture();
        assertThat(await(s -> s.pollingSessions() == 1).pollingSessions()).isEqualTo(1);
        server.socket(a.id()).orElseThrow().emit("hello", "x");
        assertThat(poll.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        ServerStats s = await(x -> x.pollingSessions() == 0);
        assertThat(s.pollingSessions()).isZero();
        assertThat(s.deliveries()).isEqualTo(1);
        assertThat(s.sessionsByTransport()).containsEntry("polling", 0L).containsEntry("sse", 0L);
    }

    @Test
    void presenceUsersCountTrackedUsersUntilTheirSessionsEnd() throws Exception {
        Client a = connect();
        Client b = connect();
        Client c = connect();
        emit(a, "track", "\"u1\"");
        emit(b, "track", "\"u1\"");
        emit(c, "track", "\"u2\"");
        assertThat(server.stats().presenceUsers()).isEqualTo(2);
        server.socket(c.id()).orElseThrow().disconnect();
        assertThat(await(s -> s.presenceUsers() == 1).presenceUsers()).isEqualTo(1);
        server.socket(a.id()).orElseThrow().disconnect();
        server.socket(b.id()).orElseThrow().disconnect();
        assertThat(await(s -> s.presenceUsers() == 0).presenceUsers()).isZero();
    }

    @Test
    void aResumeIsCountedWithItsReplayedFrames() throws Exception {
        Client a = connect();
        server.socket(a.id()).orElseThrow().emit("one", 1);
        server.socket(a.id()).orElseThrow().emit("two", 2);
        // both in the reader's history before the resume, so both are replayed, none live
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.health().readerPosition() < server.health().logHead() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        RecordingSink sink = new RecordingSink();
        TransportResponse error = endpoint.openStream(
                        Requests.get("/sse").query("sessionId", a.credential()).header("Last-Event-ID", "0"), sink)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(error).isNull();
        sink.assertEvent("connected");
        sink.assertEvent("one");
        sink.assertEvent("two");
        ServerStats s = await(x -> x.deliveries() == 2);
        assertThat(s.resumes()).isEqualTo(1);
        assertThat(s.replayedFrames()).isEqualTo(2);
        assertThat(s.deliveries()).isEqualTo(2);
        assertThat(s.missedSent()).isZero();
    }

    @Test
    void rateLimitedRequestsAreCounted() throws Exception {
        startWith(ServerOptions.builder().eventRateLimit(0.001, 1).build());
        Client a = connect();
        assertThat(emit(a, "join", "{\"room\":\"a\"}")).isEqualTo(200);
        assertThat(emit(a, "join", "{\"room\":\"a\"}")).isEqualTo(429);
        assertThat(emit(a, "join", "{\"room\":\"a\"}")).isEqualTo(429);
        ServerStats s = server.stats();
        assertThat(s.rateLimited()).isEqualTo(2);
        assertThat(s.eventsReceived()).isEqualTo(1);
    }

    @Test
    void unavailableAnswersAreCounted() throws Exception {
        SocketEndpoint stale = endpoint;
        server.close();
        assertThat(stale.handle(Requests.post("/connect", ""))
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(503);
        assertThat(server.stats().unavailableResponses()).isEqualTo(1);
    }
}
