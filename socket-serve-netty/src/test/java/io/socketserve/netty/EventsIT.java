package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.RawHttp;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /message}: handlers, typed binding, failures, ordering. */
class EventsIT {

    private final TestServer ts = TestServer.start();

    @AfterEach
    void stop() {
        ts.close();
    }

    /** A typed payload. */
    public record Move(int x, int y) {}

    @Test
    void eventHandlerGetsTheData() throws InterruptedException {
        BlockingQueue<JsonNode> got = new LinkedBlockingQueue<>();
        ts.server().on("chat", (s, d, a) -> got.add(d));
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("chat", Map.of("text", "hi", "n", 3));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("success").asBoolean()).isTrue();
        JsonNode data = got.poll(5, TimeUnit.SECONDS);
        assertThat(data.path("text").asText()).isEqualTo("hi");
        assertThat(data.path("n").asInt()).isEqualTo(3);
    }

    @Test
    void handlerHasRunWhenThePostIsAnswered() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ts.server().on("chat", (s, d, a) -> seen.add(s.id()));
        TestClient c = ts.connectedClient();

        c.emit("chat", null);

        assertThat(seen).containsExactly(c.id());
    }

    @Test
    void eventWithoutHandlerIsAcceptedAndIgnored() {
        TestClient c = ts.connectedClient();

        assertThat(c.emit("nobodyListens", 1).status()).isEqualTo(200);
    }

    @Test
    void typedHandlerGetsTheBoundPayload() throws InterruptedException {
        BlockingQueue<Move> got = new LinkedBlockingQueue<>();
        ts.server().on("move", Move.class, (s, m, a) -> got.add(m));
        TestClient c = ts.connectedClient();

        assertThat(c.emit("move", Map.of("x", 1, "y", 2)).status()).isEqualTo(200);

        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo(new Move(1, 2));
    }

    @Test
    void typedHandlerAnswersInvalidPayloadWhenTheDataDoesNotBind() {
        AtomicInteger calls = new AtomicInteger();
        ts.server().on("move", Move.class, (s, m, a) -> calls.incrementAndGet());
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("move", Map.of("x", "left", "y", 2));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_payload");
        assertThat(r.message()).contains("Move");
        assertThat(calls).hasValue(0);
    }

    @Test
    void typedHandlerAnswersInvalidPayloadForNullData() {
        ts.server().on("move", Move.class, (s, m, a) -> {});
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("move", null);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_payload");
    }

    @Test
    void typedHandlerBindFailureSendsTheErrorToThePendingAck() {
        ts.server().on("move", Move.class, (s, m, a) -> a.send("ok"));
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("move", List.of(1, 2));

        assertThat(e.response().status()).isEqualTo(400);
        assertThat(c.awaitAck(e.messageId()).json().path("error").path("error").asText())
                .isEqualTo("invalid_payload");
    }

    @Test
    void throwingHandlerAnswers500WithAnErrorIdAndNoDetail() {
        ts.server().on("boom", (s, d, a) -> {
            throw new io.socketserve.testing.ExpectedFailure("kaput");
        });
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("boom", null);

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.error()).isEqualTo("internal_error");
        String errorId = r.json().path("errorId").asText();
        assertThat(errorId).matches("[0-9a-f]{12}");
        assertThat(r.message()).contains("boom", errorId).doesNotContain("kaput", "ExpectedFailure", "at ");
    }

    @Test
    void exceptionHandlerDecidesWhatTheClientGets() {
        ts.server().on("boom", (s, d, a) -> {
            throw new io.socketserve.testing.ExpectedFailure("kaput");
        });
        List<io.socketserve.HandlerFailure> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        ts.server().exceptionHandler(failure -> {
            seen.add(failure);
            return new io.socketserve.SocketServeException("try_later", "come back later", 409);
        });
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("boom", null);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("try_later");
        assertThat(seen).singleElement().satisfies(f -> {
            assertThat(f.event()).isEqualTo("boom");
            assertThat(f.socket().id()).isEqualTo(c.id());
            assertThat(f.errorId()).isEqualTo(r.json().path("errorId").asText());
        });
    }

    @Test
    void offRemovesTheHandler() {
        io.socketserve.EventHandler handler = (s, d, a) -> a.send("handled");
        ts.server().on("once", handler);
        ts.server().onUnhandled((s, d, a) -> a.send("unhandled"));
        TestClient c = ts.connectedClient();
        assertThat(c.emitWithAck("once", null, true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("handled");

        ts.server().off("once", (io.socketserve.EventHandler) (s, d, a) -> {}); // another instance: kept
        assertThat(c.emitWithAck("once", null, true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("handled");
        ts.server().off("once", handler);

        assertThat(c.emitWithAck("once", null, true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("unhandled");
    }

    @Test
    void offRemovesATypedHandlerByTheInstancePassedToOn() {
        io.socketserve.TypedEventHandler<String> typed = (s, text, a) -> a.send(text.toUpperCase());
        ts.server().on("shout", String.class, typed);
        TestClient c = ts.connectedClient();
        assertThat(c.emitWithAck("shout", "hi", true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("HI");

        ts.server().off("shout", typed);

        HttpResult after = c.emitWithAck("shout", "hi", true).response();
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.json().has("ack")).isFalse();
    }

    @Test
    void throwingHandlerSendsAnErrorToTheClientsAck() {
        ts.server().on("boom", (s, d, a) -> {
            throw new io.socketserve.testing.ExpectedFailure("kaput");
        });
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("boom", null);

        assertThat(e.response().status()).isEqualTo(500);
        JsonNode ack = c.awaitAck(e.messageId()).json();
        assertThat(ack.path("error").path("error").asText()).isEqualTo("internal_error");
        assertThat(ack.has("data")).isFalse();
    }

    @Test
    void throwingHandlerLeavesTheServerAndOtherSessionsWorking() {
        ts.server().on("boom", (s, d, a) -> {
            throw new io.socketserve.testing.ExpectedFailure("kaput");
        });
        ts.server().on("echo", (s, d, a) -> s.emit("echoed", d));
        TestClient bad = ts.streamingClient();
        TestClient good = ts.streamingClient();

        assertThat(bad.emit("boom", null).status()).isEqualTo(500);

        assertThat(bad.emit("echo", "again").status()).isEqualTo(200);
        assertThat(bad.awaitEvent("echoed").data().asText()).isEqualTo("again");
        assertThat(good.emit("echo", "me").status()).isEqualTo(200);
        assertThat(good.awaitEvent("echoed").data().asText()).isEqualTo("me");
        good.assertExhausted();
    }

    @Test
    void socketServeExceptionFromAHandlerKeepsItsCodeAndStatus() {
        ts.server().on("reject", (s, d, a) -> {
            throw new io.socketserve.SocketServeException("not_allowed", "no entry", 403);
        });
        TestClient c = ts.connectedClient();

        HttpResult r = c.emit("reject", null);

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isEqualTo("not_allowed");
        assertThat(r.message()).isEqualTo("no entry");
    }

    @Test
    void eventsOfOneSessionAreHandledInTheOrderSent() throws IOException {
        List<Integer> order = new CopyOnWriteArrayList<>();
        ts.server().on("n", (s, d, a) -> order.add(d.asInt()));
        TestClient c = ts.connectedClient();
        InetSocketAddress address = ts.address();
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("sessionId", c.credential());
            body.put("event", "n");
            body.put("data", i);
            requests.add(RawHttp.request(
                    "POST",
                    "/socket/message",
                    "127.0.0.1",
                    Map.of("Content-Type", "application/json"),
                    TestClient.json(body)));
        }

        // Pipelined on one connection: the server receives them in exactly this order.
        List<HttpResult> results = RawHttp.pipeline(address, requests);

        assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(order)
                .containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
    }

    @Test
    void eventsOfOneSessionNeverRunConcurrently() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        ts.server().on("work", (s, d, a) -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            for (int i = 0; i < 1000; i++) {
                Thread.onSpinWait();
            }
            s.data().get("x"); // a backend round trip inside the handler
            running.decrementAndGet();
        });
        TestClient c = ts.connectedClient();

        List<CompletableFuture<HttpResult>> posts = IntStream.range(0, 40)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> c.emit("work", i)))
                .toList();

        assertThat(posts).allSatisfy(p -> assertThat(p.join().status()).isEqualTo(200));
        assertThat(maxRunning).hasValue(1);
    }

    @Test
    void onUnhandledHandlesEventsWithoutTheirOwnHandler() throws InterruptedException {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        ts.server().on("known", (s, d, a) -> got.add("known"));
        ts.server().onUnhandled((s, d, a) -> got.add("unhandled:" + d.asText()));
        TestClient c = ts.connectedClient();

        c.emit("mystery", "x");
        c.emit("known", null);

        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("unhandled:x");
        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("known");
    }

    @Test
    void onAnySeesEveryEventBeforeItsHandlerAndAFailingListenerChangesNothing() throws InterruptedException {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        ts.server().on("known", (s, d, a) -> got.add("handler:known"));
        ts.server().onAny((s, event, d) -> got.add("any:" + event));
        ts.server().onAny((s, event, d) -> {
            throw new io.socketserve.testing.ExpectedFailure("listener");
        });
        TestClient c = ts.connectedClient();

        assertThat(c.emit("known", null).status()).isEqualTo(200);
        assertThat(c.emit("mystery", "x").status()).isEqualTo(200);

        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("any:known");
        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("handler:known");
        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("any:mystery");
        assertThat(got).isEmpty();
    }

    @Test
    void unknownEventIs422WhenTheServerRejectsThem() {
        try (TestServer strict = TestServer.start(o -> o.rejectUnknownEvents(true))) {
            HttpResult r = strict.connectedClient().emit("mystery", null);

            assertThat(r.status()).isEqualTo(422);
            assertThat(r.error()).isEqualTo("unknown_event");
        }
    }
}
