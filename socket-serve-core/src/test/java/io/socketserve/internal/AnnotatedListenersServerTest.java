package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.OnConnect;
import io.socketserve.OnEvent;
import io.socketserve.Socket;
import io.socketserve.SocketServer;
import io.socketserve.transport.TransportResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code register(Object)} on a real in-memory server, driven through its endpoint without sockets. */
class AnnotatedListenersServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SocketServer server = SocketServer.create();

    @AfterEach
    void stop() {
        server.close();
    }

    record Move(int x, int y) {}

    /** Listens in whichever namespace it is registered on. */
    static final class Board {
        final List<String> connected = new CopyOnWriteArrayList<>();

        @OnConnect
        void connected(Socket socket) {
            connected.add(socket.namespace());
        }

        @OnEvent("move")
        String move(Socket socket, Move move) {
            return socket.namespace() + " " + move.x() + "," + move.y();
        }
    }

    private TransportResponse call(Requests r) throws Exception {
        return io.socketserve.transport.SocketEndpoint.of(server)
                .handle(r)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    private String connect(String namespace) throws Exception {
        TransportResponse r = call(Requests.post("/connect", "{\"namespace\":\"" + namespace + "\"}"));
        assertThat(r.status()).isEqualTo(200);
        return JSON.readTree(r.body()).get("sessionId").asText();
    }

    private TransportResponse send(String credential, String event, String data) throws Exception {
        return call(Requests.post(
                "/message",
                "{\"sessionId\":\"" + credential + "\",\"event\":\"" + event + "\",\"data\":" + data
                        + ",\"messageId\":\"m\",\"requiresAck\":true,\"ackInResponse\":true}"));
    }

    @Test
    void aListenerRegisteredOnANamespaceServesThatNamespaceOnly() throws Exception {
        Board board = new Board();
        assertThat(server.of("/chess").register(board)).isSameAs(server.of("/chess"));
        String chess = connect("/chess");
        String root = connect("/");

        JsonNode answer = JSON.readTree(send(chess, "move", "{\"x\":4,\"y\":2}").body());
        JsonNode ignored = JSON.readTree(send(root, "move", "{\"x\":4,\"y\":2}").body());

        assertThat(board.connected).containsExactly("/chess");
        assertThat(answer.path("ack").asText()).isEqualTo("/chess 4,2");
        assertThat(ignored.has("ack")).isFalse();
    }

    @Test
    void aPayloadThatDoesNotBindIsInvalidPayloadAsForATypedHandler() throws Exception {
        server.register(new Board());
        String credential = connect("/");

        TransportResponse r = send(credential, "move", "{\"x\":\"left\"}");

        assertThat(r.status()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").asText()).isEqualTo("invalid_payload");
        assertThat(body.path("message").asText()).contains("Move");
    }
}
