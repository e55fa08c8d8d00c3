package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a socket on any instance, from {@link BroadcastOperator#fetchSockets()}: who it is,
 * where it is, what it said at the handshake, and what it stores — as of the fetch. Its actions work
 * wherever the socket's stream is (they go through the shared log), and complete on the handler
 * executor.
 *
 * <pre>{@code
 * server.in("room:42").fetchSockets().thenAccept(sockets -> {
 *     for (RemoteSocket s : sockets) {
 *         if (s.handshake().attributes().get("user").equals(banned)) s.disconnect();
 *     }
 * });
 * }</pre>
 *
 * @since 0.2
 */
public interface RemoteSocket {

    /** What the socket presented at its handshake, as far as the server keeps it. */
    record HandshakeInfo(String address, Map<String, String> headers, Map<String, String> attributes) {

        public HandshakeInfo {
            headers = Map.copyOf(headers);
            attributes = Map.copyOf(attributes);
        }
    }

    /** The public id. */
    String id();

    /** The namespace it connected to. */
    String namespace();

    /** Its rooms at the time of the fetch (by name). */
    Set<String> rooms();

    /**
     * The client's address, the request headers named in {@link ServerOptions#handshakeHeaders()}
     * (keyed by lower-case name), and the attributes its connection middleware attached.
     */
    HandshakeInfo handshake();

    /** Its session data at the time of the fetch. */
    Map<String, JsonNode> data();

    /** When its session was created. */
    Instant connectedSince();

    /** Sends it an event. */
    CompletionStage<Void> emit(String event, @Nullable Object data);

    /** Makes it join rooms (no {@link JoinAuthorizer}: this is the server's decision). */
    CompletionStage<Void> join(String... rooms);

    /** Makes it leave rooms. */
    CompletionStage<Void> leave(String... rooms);

    /** Ends its session ({@link DisconnectReason#SERVER_DISCONNECT}). */
    CompletionStage<Void> disconnect();
}
