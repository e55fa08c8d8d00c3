package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A poll whose cursor the backend fails to store (issue 13): the answer still goes out with its
 * position, and the session's next poll without {@code after} on this instance starts after that
 * answer instead of repeating it, storing the cursor again.
 */
class PollCursorFailureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryBackend real = new InMemoryBackend();
    private final AtomicInteger failingSetCursors = new AtomicInteger();
    private final List<Long> storedCursors = new CopyOnWriteArrayList<>();
    private SocketServer server;
    private SocketEndpoint endpoint;

    @BeforeEach
    void start() {
        Backend failing = (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("setCursor")) {
                        if (failingSetCursors.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            return CompletableFuture.failedFuture(
                                    new BackendUnavailableException("setCursor refused by the test"));
                        }
                        storedCursors.add((Long) args[1]);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        server = SocketServer.create(ServerOptions.builder().backend(failing).build());
        endpoint = SocketEndpoint.of(server);
        server.on("ping", (socket, data, ack) -> socket.emit("pong", data));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aPollWhoseCursorIsNotStoredIsNotRepeatedByTheNextPoll() throws Exception {
        String credential =
                json(call(Requests.post("/connect", "")), 200).get("sessionId").asText();
        ping(credential, 1);

        failingSetCursors.set(1);
        JsonNode first = poll(credential);
        assertThat(texts(first)).containsExactly(1);
        assertThat(failingSetCursors.get())
                .as("the failing setCursor was called")
                .isZero();
        assertThat(storedCursors).isEmpty();
        long position = first.path("position").asLong();
        assertThat(position).isPositive();

        JsonNode second = poll(credential);
        assertThat(texts(second)).as("the next poll repeats nothing").isEmpty();
        assertThat(storedCursors).as("the next poll stores the cursor").containsExactly(position);

        ping(credential, 2);
        JsonNode third = poll(credential);
        assertThat(texts(third)).containsExactly(2);
    }

    @Test
    void aPollWithAfterStillAnswersWithItsPositionWhenTheCursorIsNotStored() throws Exception {
        String credential =
                json(call(Requests.post("/connect", "")), 200).get("sessionId").asText();
        ping(credential, 1);
        failingSetCursors.set(1);
        JsonNode answer = json(
                call(Requests.get("/sse")
                        .query("sessionId", credential)
                        .query("transport", "polling")
                        .query("after", "0")),
                200);
        assertThat(texts(answer)).containsExactly(1);
        long position = answer.path("position").asLong();
        JsonNode resumed = json(
                call(Requests.get("/sse")
                        .query("sessionId", credential)
                        .query("transport", "polling")
                        .query("after", Long.toString(position))),
                200);
        assertThat(texts(resumed)).isEmpty();
    }

    private void ping(String credential, int n) throws Exception {
        json(
                call(Requests.post(
                        "/message", "{\"sessionId\":\"" + credential + "\",\"event\":\"ping\",\"data\":" + n + "}")),
                200);
    }

    private JsonNode poll(String credential) throws Exception {
        return json(call(Requests.get("/sse").query("sessionId", credential).query("transport", "polling")), 200);
    }

    private static List<Integer> texts(JsonNode answer) {
        List<Integer> out = new java.util.ArrayList<>();
        answer.path("messages").forEach(m -> {
            if (m.path("event").asText().equals("pong")) {
                out.add(m.path("data").asInt());
            }
        });
        return out;
    }

    private TransportResponse call(Requests request) throws Exception {
        return endpoint.handle(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static JsonNode json(TransportResponse response, int status) throws Exception {
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.status()).as("status of %s", body).isEqualTo(status);
        return body;
    }
}
