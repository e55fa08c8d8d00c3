package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.DisconnectReason;
import io.socketserve.Socket;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How sessions end: expiry, client disconnect, server disconnect; the disconnect handler runs once. */
class LifecycleIT {

    private static final Duration SESSION_TIMEOUT = Duration.ofMillis(500);

    /** One disconnect handler call. */
    record Ended(String id, DisconnectReason reason, Set<String> rooms, boolean connected) {}

    private final TestServer ts =
            TestServer.start(o -> o.sessionTimeout(SESSION_TIMEOUT).expirySweepInterval(Duration.ofMillis(100)));
    private final List<Ended> ended = new CopyOnWriteArrayList<>();

    @BeforeEach
    void handlers() {
        ts.server().onDisconnect((s, reason) -> ended.add(new Ended(s.id(), reason, s.rooms(), s.connected())));
        ts.server().on("join", (s, d, a) -> s.join(d.asText()));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private Socket socketOf(TestClient c) {
        return ts.server().socket(c.id()).orElseThrow();
    }

    /** Waits for the disconnect handler to have run for {@code id}. */
    private Ended awaitEnded(String id) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ended.stream().anyMatch(e -> e.id().equals(id)));
        return ended.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
    }

    /** Waits for the disconnect handler to have run for {@code id}, then checks it runs no second time. */
    private Ended endedOnce(String id) {
        Ended first = awaitEnded(id);
        await().during(Duration.ofMillis(SESSION_TIMEOUT.toMillis() + 200))
                .atMost(Duration.ofSeconds(10))
                .until(() -> ended.stream().filter(e -> e.id().equals(id)).count() == 1);
        return first;
    }

    @Test
    void sessionWithoutStreamOrPollExpiresOnceWithTimeout() {
        TestClient c = ts.connectedClient();
        c.emit("join", "a");
        c.emit("join", "b");

        Ended e = endedOnce(c.id());

        assertThat(e.reason()).isEqualTo(DisconnectReason.TIMEOUT);
        assertThat(e.connected()).isFalse();
    }

    @Test
    void expiredSessionIsRemovedFromEveryRoom() {
        TestClient c = ts.connectedClient();
        TestClient stays = ts.streamingClient();
        c.emit("join", "a");
        c.emit("join", "b");
        stays.emit("join", "a");

        awaitEnded(c.id());

        assertThat(ts.server().roomMembers("a")).containsExactly(stays.id());
        assertThat(ts.server().roomMembers("b")).isEmpty();
        assertThat(ts.server().socket(c.id())).isEmpty();
    }

    @Test
    void disconnectHandlerStillSeesTheRoomsOfAnExpiredSocket() {
        TestClient c = ts.connectedClient();
        c.emit("join", "a");
        c.emit("join", "b");

        assertThat(awaitEnded(c.id()).rooms()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void disconnectHandlerCanTellTheRoomsOfTheSocket() {
        ts.server().onDisconnect((s, reason) -> s.rooms().forEach(r -> s.broadcastToRoom(r, "userLeft", s.id())));
        TestClient leaving = ts.connectedClient();
        TestClient watcher = ts.streamingClient();
        leaving.emit("join", "a");
        watcher.emit("join", "a");

        leaving.disconnect();

        ReceivedFrame left = watcher.assertEvent("userLeft");
        assertThat(left.data().asText()).isEqualTo(leaving.id());
        assertThat(left.sessionId()).isEqualTo(leaving.id());
    }

    @Test
    void expiredSessionAnswers404() {
        TestClient c = ts.connectedClient();

        awaitEnded(c.id());

        HttpResult r = c.emit("join", "a");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("unknown_session");
    }

    @Test
    void sessionWithAnOpenStreamDoesNotExpire() {
        TestClient c = ts.streamingClient();

        await().during(Duration.ofMillis(3 * SESSION_TIMEOUT.toMillis()))
                .atMost(Duration.ofSeconds(10))
                .until(() -> ended.isEmpty() && c.streamOpen());

        assertThat(ts.server().socket(c.id())).isPresent();
        assertThat(c.emit("join", "a").status()).isEqualTo(200);
    }

    @Test
    void sessionThatKeepsPollingDoesNotExpire() {
        TestClient c = ts.connectedClient();

        await().during(Duration.ofMillis(3 * SESSION_TIMEOUT.toMillis()))
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> c.poll().http().status() == 200 && ended.isEmpty());

        assertThat(ts.server().socket(c.id())).isPresent();
    }

    @Test
    @Tag("vanished-client") // noticing a client that closed its stream without a write: see the servlet pom
    void sessionExpiresAfterItsStreamIsDropped() {
        TestClient c = ts.streamingClient();

        c.closeStream();

        assertThat(awaitEnded(c.id()).reason()).isEqualTo(DisconnectReason.TIMEOUT);
    }

    @Test
    void clientDisconnectRunsTheHandlerOnceWithClientDisconnect() {
        TestClient c = ts.connectedClient();
        c.emit("join", "a");

        HttpResult r = c.disconnect();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("success").asBoolean()).isTrue();
        Ended e = endedOnce(c.id());
        assertThat(e.reason()).isEqualTo(DisconnectReason.CLIENT_DISCONNECT);
        assertThat(e.rooms()).containsExactly("a");
        assertThat(ts.server().roomMembers("a")).isEmpty();
    }

    @Test
    void clientDisconnectClosesItsStream() {
        TestClient c = ts.streamingClient();

        c.disconnect();

        assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                .isEqualTo("client namespace disconnect");
        assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void secondClientDisconnectAnswers404AndFiresNothing() {
        TestClient c = ts.connectedClient();
        c.disconnect();

        HttpResult again = c.disconnect();

        assertThat(again.status()).isEqualTo(404);
        assertThat(endedOnce(c.id()).reason()).isEqualTo(DisconnectReason.CLIENT_DISCONNECT);
    }

    @Test
    void serverDisconnectSendsDisconnectFrameAndClosesTheStream() {
        TestClient c = ts.streamingClient();

        socketOf(c).disconnect();

        ReceivedFrame bye = c.assertEvent("__disconnect");
        assertThat(bye.data().path("reason").asText()).isEqualTo("server namespace disconnect");
        assertThat(c.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
        assertThat(endedOnce(c.id()).reason()).isEqualTo(DisconnectReason.SERVER_DISCONNECT);
        assertThat(c.emit("join", "a").status()).isEqualTo(404);
    }

    @Test
    void serverDisconnectFromAHandlerWorks() {
        ts.server().on("kickMe", (s, d, a) -> s.disconnect());
        TestClient c = ts.streamingClient();

        assertThat(c.emit("kickMe", null).status()).isEqualTo(200);

        assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                .isEqualTo("server namespace disconnect");
        assertThat(awaitEnded(c.id()).reason()).isEqualTo(DisconnectReason.SERVER_DISCONNECT);
    }

    @Test
    void streamForAnEndedSessionIsRefused() {
        TestClient c = ts.connectedClient();
        c.disconnect();

        HttpResult r = c.tryOpenStream(java.util.Map.of(), java.util.Map.of());

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("unknown_session");
    }

    @Test
    void disconnectHandlerCanReadTheSessionData() {
        List<String> names = new CopyOnWriteArrayList<>();
        ts.server()
                .onDisconnect((s, reason) -> names.add(String.valueOf(s.data().get("name", String.class))));
        TestClient c = ts.connectedClient();
        socketOf(c).data().set("name", "ada");

        c.disconnect();

        await().atMost(Duration.ofSeconds(5)).until(() -> names.contains("ada"));
    }
}
