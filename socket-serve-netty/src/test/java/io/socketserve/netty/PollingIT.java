package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.Socket;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /sse?transport=polling}: the original cursor poll, {@code after=}, long-poll {@code wait=}. */
class PollingIT {

    private final TestServer ts = TestServer.start();

    @BeforeEach
    void handlers() {
        ts.server().on("join", (s, d, a) -> s.join(d.asText()));
        ts.server().on("say", (s, d, a) -> s.broadcastToRoom("r", "said", d));
        ts.server().on("tell", (s, d, a) -> s.to("r").emit("told", d));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private Socket socketOf(TestClient c) {
        return ts.server().socket(c.id()).orElseThrow();
    }

    /** Polls (original style) until {@code count} messages have arrived in total; fails on more. */
    private static List<ReceivedFrame> pollUntil(TestClient c, int count) {
        List<ReceivedFrame> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            got.addAll(c.poll().messages());
            return got.size() >= count;
        });
        assertThat(got).hasSize(count);
        return got;
    }

    @Test
    void cursorPollGetsEverythingSinceTheLastPollIncludingRoomBroadcasts() {
        TestClient poller = ts.connectedClient();
        TestClient talker = ts.streamingClient();
        poller.emit("join", "r");
        talker.emit("join", "r");

        talker.emit("say", "one");
        talker.emit("tell", "two");
        ts.server().to("r").emit("three", null).toCompletableFuture().join();
        ts.server().emit("four", null).toCompletableFuture().join();
        socketOf(poller).emit("five", null).toCompletableFuture().join();

        List<ReceivedFrame> got = pollUntil(poller, 5);
        assertThat(got).extracting(ReceivedFrame::event).containsExactly("said", "told", "three", "four", "five");
        assertThat(got.get(0).sessionId()).isEqualTo(talker.id());
    }

    @Test
    void cursorPollsNeverRepeatAMessage() {
        TestClient c = ts.connectedClient();
        Socket socket = socketOf(c);
        for (int i = 0; i < 3; i++) {
            socket.emit("n", i).toCompletableFuture().join();
        }
        List<ReceivedFrame> first = pollUntil(c, 3);

        for (int i = 3; i < 5; i++) {
            socket.emit("n", i).toCompletableFuture().join();
        }
        List<ReceivedFrame> second = pollUntil(c, 2);

        assertThat(first).extracting(f -> f.data().asInt()).containsExactly(0, 1, 2);
        assertThat(second).extracting(f -> f.data().asInt()).containsExactly(3, 4);
        assertThat(c.poll().messages()).isEmpty();
    }

    @Test
    void pollAnswersWithAPosition() {
        TestClient c = ts.connectedClient();

        TestClient.PollResult p = c.poll();

        assertThat(p.http().status()).isEqualTo(200);
        assertThat(p.messages()).isEmpty();
        assertThat(p.position()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void pollAfterAPositionRepeatsTheSameAnswerForAClientThatLostIt() {
        TestClient c = ts.connectedClient();
        long start = c.poll().position();
        Socket socket = socketOf(c);
        socket.emit("n", 1).toCompletableFuture().join();
        socket.emit("n", 2).toCompletableFuture().join();

        TestClient.PollResult first = c.poll(start, 5000);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> c.poll(start, 0).messages().size() == 2);
        TestClient.PollResult again = c.poll(start, 0);

        assertThat(first.messages()).isNotEmpty();
        assertThat(again.messages()).extracting(f -> f.data().asInt()).containsExactly(1, 2);
        assertThat(c.poll(again.position(), 0).messages()).isEmpty();
    }

    @Test
    void pollAfterGetsOnlyLaterMessages() {
        TestClient c = ts.connectedClient();
        Socket socket = socketOf(c);
        socket.emit("n", 1).toCompletableFuture().join();
        long afterFirst = c.poll(-1, 5000).position();
        socket.emit("n", 2).toCompletableFuture().join();

        TestClient.PollResult p = c.poll(afterFirst, 5000);

        assertThat(p.messages()).extracting(f -> f.data().asInt()).containsExactly(2);
    }

    @Test
    void longPollReturnsAsSoonAsAMessageArrives() throws Exception {
        TestClient c = ts.connectedClient();
        long start = c.poll().position();
        Socket socket = socketOf(c);
        CompletableFuture.runAsync(
                () -> socket.emit("wake", null), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));

        long t0 = System.nanoTime();
        TestClient.PollResult p = c.poll(start, 20_000);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(p.events()).containsExactly("wake");
        assertThat(tookMillis).isLessThan(5_000);
    }

    @Test
    void longPollReturnsEmptyWhenNothingArrivesInTime() {
        TestClient c = ts.connectedClient();
        long start = c.poll().position();

        long t0 = System.nanoTime();
        TestClient.PollResult p = c.poll(start, 400);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(p.http().status()).isEqualTo(200);
        assertThat(p.messages()).isEmpty();
        assertThat(tookMillis).isBetween(350L, 5_000L);
    }

    @Test
    void longPollWithPendingMessagesAnswersAtOnce() {
        TestClient c = ts.connectedClient();
        socketOf(c).emit("waiting", null).toCompletableFuture().join();

        long t0 = System.nanoTime();
        TestClient.PollResult p = c.poll(-1, 20_000);

        assertThat(p.events()).containsExactly("waiting");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
    }

    @Test
    void pollRightAfterACommittedEmitIncludesIt() {
        TestClient c = ts.connectedClient();

        socketOf(c).emit("n", 1).toCompletableFuture().join();

        assertThat(c.poll().events()).containsExactly("n");
    }

    @Test
    void pollingAndStreamingClientsSeeTheSameRoomTraffic() {
        TestClient poller = ts.connectedClient();
        TestClient streamer = ts.streamingClient();
        poller.emit("join", "r");
        streamer.emit("join", "r");

        for (int i = 0; i < 10; i++) {
            ts.server().to("r").emit("n", Map.of("i", i)).toCompletableFuture().join();
        }

        List<ReceivedFrame> streamed = streamer.awaitEvents("n", 10);
        List<ReceivedFrame> polled = pollUntil(poller, 10);
        assertThat(polled)
                .extracting(f -> f.data().toString())
                .containsExactlyElementsOf(
                        streamed.stream().map(f -> f.data().toString()).toList());
    }

    @Test
    void longPollWaitIsCappedByLongPollMaxWait() {
        try (TestServer capped = TestServer.start(o -> o.longPollMaxWait(Duration.ofMillis(300)))) {
            TestClient c = capped.connectedClient();
            long start = c.poll().position();

            long t0 = System.nanoTime();
            TestClient.PollResult p = c.poll(start, 60_000);

            assertThat(p.messages()).isEmpty();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
        }
    }

    @Test
    void pollPastTheRecoveryWindowStartsWithMissed() {
        try (TestServer small = TestServer.start(o -> o.recoveryMaxMessages(10))) {
            TestClient c = small.connectedClient();
            Socket socket = small.server().socket(c.id()).orElseThrow();
            long start = c.poll().position();
            for (int i = 0; i < 30; i++) {
                socket.emit("n", i).toCompletableFuture().join();
            }

            TestClient.PollResult p = c.poll(start, 5000);

            assertThat(p.events().get(0)).isEqualTo("__missed");
            assertThat(p.messages().get(0).data().path("after").asLong()).isEqualTo(start);
            List<Integer> values = p.messages().subList(1, p.messages().size()).stream()
                    .map(f -> f.data().asInt())
                    .toList();
            assertThat(values).isNotEmpty().endsWith(29);
            int first = values.get(0);
            assertThat(values)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(first, 29)
                            .boxed()
                            .toList());
        }
    }
}
