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
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Ordered, resumable delivery on SSE: ids, resume, the recovery window, replacement, keepalive. */
class DeliveryIT {

    private static Socket socketOf(TestServer ts, TestClient c) {
        return ts.server().socket(c.id()).orElseThrow();
    }

    private static void emitAll(Socket socket, int from, int to) {
        for (int i = from; i < to; i++) {
            socket.emit("n", i).toCompletableFuture().join();
        }
    }

    private static List<Integer> values(List<ReceivedFrame> frames) {
        return frames.stream().map(f -> f.data().asInt()).toList();
    }

    private static void assertStrictlyIncreasingIds(List<ReceivedFrame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            assertThat(frames.get(i).position())
                    .as("id of frame %d", i)
                    .isGreaterThan(frames.get(i - 1).position());
        }
    }

    @Test
    void messageFramesCarryStrictlyIncreasingIds() {
        try (TestServer ts = TestServer.start()) {
            TestClient c = ts.streamingClient();

            emitAll(socketOf(ts, c), 0, 20);

            List<ReceivedFrame> frames = c.awaitEvents("n", 20);
            assertThat(frames).allSatisfy(f -> assertThat(f.id()).isNotNull());
            assertStrictlyIncreasingIds(frames);
        }
    }

    @Test
    void resumeWithLastEventIdAfterAnAbruptDropMidBurstDeliversEveryMessageOnceInOrder() {
        try (TestServer ts = TestServer.start()) {
            TestClient c = ts.streamingClient();
            Socket socket = socketOf(ts, c);
            // The first half is emitted while the stream is up (and possibly still being delivered
            // when it is reset), the second half while the client is away.
            CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> emitAll(socket, 0, 250));

            List<ReceivedFrame> first = new ArrayList<>(c.awaitEvents("n", 50));
            c.closeStream(); // TCP reset while the burst may still be being delivered
            burst.join();
            emitAll(socket, 250, 500);
            first.addAll(c.frames().snapshot());
            c.frames().clear();
            long last = c.lastEventId();
            assertThat(last).isEqualTo(first.get(first.size() - 1).position());

            assertThat(first).as("frames before the drop").hasSizeLessThan(500);
            c.openStream(last);
            List<ReceivedFrame> rest = c.awaitEvents("n", 500 - first.size());

            List<ReceivedFrame> all = new ArrayList<>(first);
            all.addAll(rest);
            assertThat(values(all))
                    .containsExactlyElementsOf(IntStream.range(0, 500).boxed().toList());
            assertStrictlyIncreasingIds(all);
            ts.server().emit("fence", null).toCompletableFuture().join();
            c.assertEvent("fence");
            c.assertExhausted();
        }
    }

    @Test
    void resumeWithLastEventIdQueryParameterDeliversWhatWasMissed() {
        try (TestServer ts = TestServer.start()) {
            TestClient c = ts.streamingClient();
            Socket socket = socketOf(ts, c);
            emitAll(socket, 0, 3);
            c.awaitEvents("n", 3);
            c.closeStream();
            long last = c.lastEventId();
            emitAll(socket, 3, 6);

            c.openStreamWithQuery(last);

            assertThat(values(c.awaitEvents("n", 3))).containsExactly(3, 4, 5);
        }
    }

    @Test
    void resumeAtTheLatestIdReplaysNothing() {
        try (TestServer ts = TestServer.start()) {
            TestClient c = ts.streamingClient();
            emitAll(socketOf(ts, c), 0, 5);
            c.awaitEvents("n", 5);
            c.closeStream();

            c.openStream(c.lastEventId());

            ts.server().emit("fence", null).toCompletableFuture().join();
            c.assertEvent("fence");
            c.assertExhausted();
        }
    }

    @Test
    void messagesEmittedWhileDetachedArriveOnTheNextStreamWithoutAnId() {
        try (TestServer ts = TestServer.start()) {
            TestClient c = ts.connectedClient();
            emitAll(socketOf(ts, c), 0, 3);

            c.openStream(); // neither Last-Event-ID nor lastEventId: starts at the session's cursor

            assertThat(values(c.awaitEvents("n", 3))).containsExactly(0, 1, 2);
        }
    }

    @Test
    void pastTheRecoveryWindowTheClientGetsMissedFirstAndNoSilentGap() {
        try (TestServer ts = TestServer.start(o -> o.recoveryMaxMessages(10))) {
            TestClient c = ts.streamingClient();
            TestClient watcher = ts.streamingClient();
            socketOf(ts, watcher).join("watch");
            Socket socket = socketOf(ts, c);
            socket.emit("n", -1).toCompletableFuture().join();
            long seen = c.awaitEvent("n").position();
            c.closeStream();
            for (int i = 0; i < 50; i += 5) {
                emitAll(socket, i, i + 5);
                // Keeps the server's own log reader within its 10-entry window: a reader that falls
                // further behind closes every local stream (a gap), which is not what this test is about.
                ts.server().to("watch").emit("tick", i).toCompletableFuture().join();
                watcher.awaitEvent("tick");
            }

            c.openStream(seen);

            ReceivedFrame missed = c.assertEvent("__missed");
            assertThat(missed.data().path("after").asLong()).isEqualTo(seen);
            long oldest = missed.data().path("oldest").asLong();
            assertThat(oldest).isGreaterThan(seen + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> c.frames().snapshot().stream()
                    .anyMatch(f -> f.data().asInt() == 49));
            List<ReceivedFrame> replayed = c.frames().snapshot();
            assertThat(replayed).isNotEmpty().allSatisfy(f -> assertThat(f.position())
                    .isGreaterThanOrEqualTo(oldest));
            int firstValue = replayed.get(0).data().asInt();
            assertThat(values(replayed))
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(firstValue, 49).boxed().toList());
        }
    }

    @Test
    void aSecondStreamReplacesTheFirst() {
        try (TestServer ts = TestServer.start()) {
            TestClient first = ts.streamingClient();
            TestClient second = ts.track(first.twin());

            second.openStream();

            ReceivedFrame bye = first.assertEvent("__disconnect");
            assertThat(bye.data().path("reason").asText()).isEqualTo("replaced");
            assertThat(first.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
            socketOf(ts, first).emit("n", 1).toCompletableFuture().join();
            assertThat(second.assertEvent("n").data().asInt()).isEqualTo(1);
            first.assertExhausted();
        }
    }

    @Test
    void replacedSessionStaysConnected() {
        try (TestServer ts = TestServer.start()) {
            TestClient first = ts.streamingClient();
            TestClient second = ts.track(first.twin());

            second.openStream();
            first.assertEvent("__disconnect");

            assertThat(ts.server().socket(first.id())).isPresent();
            assertThat(second.emit("anything", null).status()).isEqualTo(200);
        }
    }

    @Test
    void idleStreamGetsKeepaliveComments() {
        try (TestServer ts = TestServer.start(o -> o.keepaliveInterval(Duration.ofMillis(200)))) {
            TestClient c = ts.streamingClient();

            await().atMost(Duration.ofSeconds(5)).until(() -> c.keepalives() >= 2);

            assertThat(c.receivedText()).contains(": keepalive\n");
            c.assertExhausted();
        }
    }

    @Test
    void connectAnnouncesTheKeepaliveInterval() {
        try (TestServer ts = TestServer.start(o -> o.keepaliveInterval(Duration.ofMillis(200)))) {
            assertThat(ts.client().connect().json().path("pingInterval").asLong())
                    .isEqualTo(200);
        }
    }
}
