package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.util.concurrent.TimeUnit;

/**
 * Requests to an engine through its transport-facing {@link SocketEndpoint}, without sockets:
 * connect, emit, and streams opened into a {@link RecordingSink}. Each call waits at most 5 s.
 */
final class EndpointClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A connected session: its credential and its public id. */
    record Session(String credential, String id) {}

    private final SocketEndpoint endpoint;

    EndpointClient(SocketEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The body of a response that must have {@code status}. */
    static JsonNode json(TransportResponse response, int status) throws Exception {
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.status()).as("status of %s", body).isEqualTo(status);
        return body;
    }

    Session connect() throws Exception {
        JsonNode body = json(call(Requests.post("/connect", "")), 200);
        return new Session(body.get("sessionId").asText(), body.get("id").asText());
    }

    /** Emits {@code event} with {@code data} (JSON text); the answer must be 200. */
    JsonNode emit(Session c, String event, String data) throws Exception {
        return json(
                call(Requests.post(
                        "/message",
                        "{\"sessionId\":\"" + c.credential() + "\",\"event\":\"" + event + "\",\"data\":" + data
                                + "}")),
                200);
    }

    /** Opens the session's stream, after {@code lastEventId} (-1: none), up to its {@code connected} frame. */
    RecordingSink open(Session c, long lastEventId) throws Exception {
        RecordingSink sink = new RecordingSink();
        Requests r = Requests.get("/sse").query("sessionId", c.credential());
        if (lastEventId >= 0) {
            r.header("Last-Event-ID", Long.toString(lastEventId));
        }
        TransportResponse error =
                endpoint.openStream(r, sink).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(error).as("stream opened").isNull();
        sink.assertEvent("connected");
        return sink;
    }
}
