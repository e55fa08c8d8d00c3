package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.AckTimeoutException;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Acknowledgements in both directions. */
class AcksIT {

    private final TestServer ts = TestServer.start();

    @BeforeEach
    void handlers() {
        ts.server().on("ask", (s, d, a) -> a.send(Map.of("answer", d.path("q").asInt() * 2)));
        ts.server()
                .on(
                        "askLater",
                        (s, d, a) -> CompletableFuture.runAsync(
                                () -> a.send("late"), CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)));
        ts.server().on("fence", (s, d, a) -> s.emit("fence", null));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private Socket socketOf(TestClient c) {
        return ts.server().socket(c.id()).orElseThrow();
    }

    // ------------------------------------------------------------------------ client → server

    @Test
    void ackArrivesAsAnAckFrameOnTheStream() {
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("ask", Map.of("q", 21));

        assertThat(e.response().status()).isEqualTo(200);
        ReceivedFrame ack = c.awaitAck(e.messageId());
        assertThat(ack.data().path("answer").asInt()).isEqualTo(42);
        assertThat(ack.id()).isNotNull();
    }

    @Test
    void ackGivenBeforeTheHandlerReturnedIsAlsoInTheResponse() {
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("ask", Map.of("q", 1));

        assertThat(e.response().json().path("ack").path("answer").asInt()).isEqualTo(2);
    }

    @Test
    void ackArrivesByPollingToo() {
        TestClient c = ts.connectedClient();

        TestClient.Emitted e = c.emitWithAck("ask", Map.of("q", 5));

        TestClient.PollResult p = c.poll(-1, 5000);
        assertThat(p.events()).containsExactly("__ack");
        assertThat(p.messages().get(0).messageId()).isEqualTo(e.messageId());
        assertThat(p.messages().get(0).data().path("answer").asInt()).isEqualTo(10);
    }

    @Test
    void ackInResponseCarriesTheAckAndSendsNoAckFrame() {
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("ask", Map.of("q", 4), true);

        assertThat(e.response().status()).isEqualTo(200);
        assertThat(e.response().json().path("success").asBoolean()).isTrue();
        assertThat(e.response().json().path("ack").path("answer").asInt()).isEqualTo(8);
        // The log is ordered: an __ack frame, had there been one, would come before the fence.
        c.emit("fence", null);
        c.assertEvent("fence");
        c.assertExhausted();
    }

    @Test
    void ackAfterTheHandlerReturnedTravelsAsAFrameEvenWithAckInResponse() {
        TestClient c = ts.streamingClient();

        TestClient.Emitted e = c.emitWithAck("askLater", null, true);

        assertThat(e.response().status()).isEqualTo(200);
        assertThat(e.response().json().has("ack")).isFalse();
        assertThat(c.awaitAck(e.messageId()).data().asText()).isEqualTo("late");
    }

    @Test
    void eventWithoutAckRequestGetsNoAckFrame() {
        TestClient c = ts.streamingClient();

        HttpResult r = c.emit("ask", Map.of("q", 1));

        assertThat(r.json().has("ack")).isFalse();
        c.emit("fence", null);
        c.assertEvent("fence");
        c.assertExhausted();
    }

    // ------------------------------------------------------------------------ server → client

    @Test
    void emitWithAckResolvesWithTheClientsAnswer() throws Exception {
        TestClient c = ts.streamingClient();
        c.autoAnswer("question", d -> Map.of("echo", d.path("n").asInt() + 1));

        CompletableFuture<JsonNode> answer = socketOf(c)
                .emitWithAck("question", Map.of("n", 41), Duration.ofSeconds(5))
                .toCompletableFuture();

        assertThat(answer.get(5, TimeUnit.SECONDS).path("echo").asInt()).isEqualTo(42);
        ReceivedFrame asked = c.awaitEvent("question");
        assertThat(asked.requiresAck()).isTrue();
        assertThat(asked.messageId()).isNotBlank();
    }

    @Test
    void emitWithAckResolvesWhenAnsweredFromAPollingClient() throws Exception {
        TestClient c = ts.connectedClient();
        CompletableFuture<JsonNode> answer =
                socketOf(c).emitWithAck("question", null, Duration.ofSeconds(5)).toCompletableFuture();

        ReceivedFrame asked = c.poll(-1, 5000).messages().get(0);
        assertThat(c.answerAck(asked.messageId(), "polled").status()).isEqualTo(200);

        assertThat(answer.get(5, TimeUnit.SECONDS).asText()).isEqualTo("polled");
    }

    @Test
    void emitWithAckTimesOutWhenTheClientNeverAnswers() {
        TestClient c = ts.streamingClient();

        CompletableFuture<JsonNode> answer = socketOf(c)
                .emitWithAck("question", null, Duration.ofMillis(200))
                .toCompletableFuture();

        c.awaitEvent("question");
        assertThatThrownBy(() -> answer.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(AckTimeoutException.class);
    }

    @Test
    void clientCannotAnswerAnotherSessionsAck() throws Exception {
        TestClient alice = ts.streamingClient();
        TestClient mallory = ts.streamingClient();
        CompletableFuture<JsonNode> answer = socketOf(alice)
                .emitWithAck("question", null, Duration.ofSeconds(5))
                .toCompletableFuture();
        String messageId = alice.awaitEvent("question").messageId();

        mallory.answerAck(messageId, "forged");
        mallory.emit("fence", null); // mallory's answer has been processed once this is answered
        mallory.awaitEvent("fence");

        assertThat(answer).isNotDone();
        alice.answerAck(messageId, "genuine");
        assertThat(answer.get(5, TimeUnit.SECONDS).asText()).isEqualTo("genuine");
    }

    @Test
    void secondAnswerToTheSameAckIsIgnored() throws Exception {
        TestClient c = ts.streamingClient();
        CompletableFuture<JsonNode> answer =
                socketOf(c).emitWithAck("question", null, Duration.ofSeconds(5)).toCompletableFuture();
        String messageId = c.awaitEvent("question").messageId();

        c.answerAck(messageId, "first");
        HttpResult again = c.answerAck(messageId, "second");

        assertThat(answer.get(5, TimeUnit.SECONDS).asText()).isEqualTo("first");
        assertThat(again.status()).isLessThan(500);
    }

    @Test
    void pendingAckFailsWhenTheSessionEnds() {
        TestClient c = ts.streamingClient();
        CompletableFuture<JsonNode> answer = socketOf(c)
                .emitWithAck("question", null, Duration.ofSeconds(30))
                .toCompletableFuture();
        c.awaitEvent("question");

        c.disconnect();

        assertThatThrownBy(() -> answer.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(SocketServeException.class)
                .isNotInstanceOf(AckTimeoutException.class);
    }
}
