package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo as {@code main} starts it ({@link DemoServer#start(ServerOptions, String, int, int)}):
 * the test suites' helper events are not there, and a private room is joined only by invitation,
 * whichever event asks.
 */
class DemoHandlersIT {

    private final DemoServer.Running demo = DemoServer.start(
            ServerOptions.builder().allowedOrigins(List.of("*")).build(), "127.0.0.1", 0, 0);
    private final URI base = URI.create("http://127.0.0.1:" + demo.port() + "/socket");

    @AfterEach
    void stop() {
        demo.close();
    }

    private TestClient client() {
        TestClient c = new TestClient(base);
        assertThat(c.connect().status()).isEqualTo(200);
        return c;
    }

    private static JsonNode ack(TestClient c, String event, Object data) {
        HttpResult r = c.emitWithAck(event, data, true).response();
        assertThat(r.status()).as("%s: %s", event, r.text()).isEqualTo(200);
        return r.json().path("ack");
    }

    @Test
    void theTestHelpersAreNotRegistered() {
        TestClient c = client();
        assertThat(ack(c, "burst", Map.of("room", "channel:x", "count", 10)).isMissingNode())
                .as("burst has no handler")
                .isTrue();
        assertThat(ack(c, "echo", Map.of("a", 1)).isMissingNode()).isTrue();
        assertThat(ack(c, "whoami", Map.of()).isMissingNode()).isTrue();
        assertThat(ack(c, "askMe", Map.of()).isMissingNode()).isTrue();
    }

    @Test
    void joinRoomAdmitsAPrivateRoomOnlyWithAnInvitation() {
        TestClient ada = client();
        TestClient bob = client();
        TestClient eve = client();
        String roomId = ack(ada, "createPrivateRoom", Map.of("participants", List.of(bob.id())))
                .path("roomId")
                .asText();
        assertThat(roomId).startsWith("private:");

        assertThat(ack(eve, "joinRoom", Map.of("roomName", roomId))
                        .path("error")
                        .asText())
                .isEqualTo("Access denied");
        ack(eve, "createRoom", Map.of("roomName", roomId)); // no way in by creating it either
        assertThat(demo.server().roomMembers(roomId)).doesNotContain(eve.id());

        assertThat(ack(bob, "joinRoom", Map.of("roomName", roomId))
                        .path("rooms")
                        .toString())
                .contains(roomId);
        assertThat(demo.server().roomMembers(roomId)).contains(ada.id(), bob.id());
        assertThat(ack(eve, "joinRoom", Map.of("roomName", "public-room"))
                        .path("rooms")
                        .toString())
                .as("other rooms are open as before")
                .contains("public-room");
    }
}
