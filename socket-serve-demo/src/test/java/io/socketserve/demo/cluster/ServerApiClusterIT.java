package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.BroadcastAckTimeoutException;
import io.socketserve.EventHandler;
import io.socketserve.OnConnect;
import io.socketserve.OnEvent;
import io.socketserve.RemoteSocket;
import io.socketserve.RoomMessage;
import io.socketserve.Socket;
import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.testing.ExpectedFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server API of issue 14 on three instances sharing one real Redis: selections, {@code
 * fetchSockets}, broadcast acknowledgements and disconnects reach sockets whatever instance their
 * streams are on, and annotated listeners, {@code off} and the handler failure answer work the same
 * on Redis. (The in-memory side is {@code ServerApiIT} in socket-serve-netty.) Expectations that
 * something did <em>not</em> arrive end with a fence (an emit to everybody): the log is ordered, so a
 * frame that should not have arrived would have arrived before the fence.
 */
class ServerApiClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String HANDLER_THREAD = "app-handler-";

    private Cluster cluster;
    private ExecutorService handlerThreads;
    private final Map<String, AtomicInteger> disconnects = new ConcurrentHashMap<>();

    /** A typed acknowledgement. */
    public record Vote(String vote) {}

    /** An annotated listener, registered on every instance. */
    static final class Lobby {
        @OnConnect
        void connected(Socket socket) {
            socket.join("lobby");
        }

        @OnEvent("echo")
        JsonNode echo(JsonNode data) {
            return data;
        }
    }

    @BeforeEach
    void start() {
        AtomicInteger threads = new AtomicInteger();
        handlerThreads = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, HANDLER_THREAD + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        cluster = new Cluster(
                3,
                o -> o.eventRateLimit(0, 1)
                        .connectionRateLimit(0, 1)
                        .backendTimeout(Duration.ofSeconds(2))
                        .handshakeHeaders(List.of("X-Client-Version"))
                        .handlerExecutor(handlerThreads),
                server -> {
                    server.use(handshake -> handshake.attribute(
                            "user", handshake.auth().path("name").asText("anonymous")));
                    server.on("join", (socket, data, ack) -> socket.join(data.asText()));
                    server.on("asyncThreads", (socket, data, ack) -> ack.send(asyncThreads(server, socket)));
                    server.on("tellFromAnotherThread", (socket, data, ack) -> {
                        Thread t = new Thread(() -> socket.to("r").emit("told", data), "not-the-handler");
                        t.start();
                        t.join();
                    });
                    server.onDisconnect((socket, reason) -> disconnects
                            .computeIfAbsent(socket.id(), k -> new AtomicInteger())
                            .incrementAndGet());
                });
    }

    @AfterEach
    void stop() {
        cluster.close();
        handlerThreads.shutdownNow();
    }

    private static void ok(HttpResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    private SocketServer server(int i) {
        return cluster.node(i).server;
    }

    /** A session created on instance {@code i}, its stream open on instance {@code i} too. */
    private TestClient streamingOn(int i) {
        TestClient c = cluster.client(i);
        ok(c.connect());
        TestClient stream = cluster.as(c, i);
        stream.openStream();
        return stream;
    }

    /** A session streaming on instance {@code i} and a member of {@code room}. */
    private TestClient memberOn(int i, String room) {
        TestClient c = streamingOn(i);
        ok(c.emit("join", room));
        return c;
    }

    private void fence(TestClient... clients) {
        server(0).emit("fence", null).toCompletableFuture().join();
        for (TestClient c : clients) {
            c.assertEvent("fence");
            c.assertExhausted();
        }
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("stage did not complete normally", e);
        }
    }

    // ------------------------------------------------------------------------------ fetchSockets

    @Test
    void fetchSocketsFromAnyInstanceSeesSocketsStreamingOnAllThree() {
        List<String> ids =
                List.of(streamingOn(0).id(), streamingOn(1).id(), streamingOn(2).id());

        for (int i = 0; i < 3; i++) {
            assertThat(get(server(i).fetchSockets()))
                    .as("fetched on instance %d", i)
                    .extracting(RemoteSocket::id)
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    @Test
    void fetchSocketsOnRedisCarriesRoomsHandshakeAndData() {
        Instant before = Instant.now().minusSeconds(1);
        HttpResult r = cluster.client(2)
                .rawPost(
                        "/connect",
                        TestClient.json(Map.of("auth", Map.of("name", "alice"))),
                        Map.of("Content-Type", "application/json", "X-Client-Version", "1.2.3"));
        ok(r);
        TestClient alice =
                cluster.client(2).withCredential(r.json().path("sessionId").asText());
        ok(cluster.as(alice, 0).emit("join", "r"));
        server(1).socket(alice.id()).orElseThrow().data().set("score", 7);

        RemoteSocket remote = get(server(0).fetchSockets()).stream()
                .filter(s -> s.id().equals(alice.id()))
                .findFirst()
                .orElseThrow();

        assertThat(remote.namespace()).isEqualTo("/");
        assertThat(remote.rooms()).containsExactly("r");
        assertThat(remote.data()).containsOnlyKeys("score");
        assertThat(remote.data().get("score").asInt()).isEqualTo(7);
        assertThat(remote.connectedSince()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(remote.handshake().address()).isEqualTo("127.0.0.1");
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(remote.handshake().headers());
        assertThat(headers).containsOnlyKeys("X-Client-Version").containsValue("1.2.3");
        assertThat(remote.handshake().attributes()).isEqualTo(Map.of("user", "alice"));
        assertThat(server(1).socket(alice.id()).orElseThrow().attributes()).isEqualTo(Map.of("user", "alice"));
    }

    // ------------------------------------------------------------------------------- selections

    @Test
    void remoteSocketActsOnASocketStreamingOnAnotherInstance() {
        TestClient c = streamingOn(2);
        RemoteSocket remote = get(server(0).fetchSockets()).get(0);

        get(remote.emit("hello", 1));
        get(remote.join("x"));
        assertThat(server(1).socketRooms(c.id())).containsExactly("x");
        get(remote.disconnect());

        assertThat(c.assertEvent("hello").data().asInt()).isEqualTo(1);
        assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                .isEqualTo("server namespace disconnect");
        await().atMost(WAIT).until(() -> disconnects.containsKey(c.id()));
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> disconnects.get(c.id()).get() == 1);
    }

    @Test
    void toSocketIdFromOneInstanceReachesASocketStreamingOnAnother() {
        TestClient target = streamingOn(2);
        TestClient other = streamingOn(1);

        server(0).to(target.id()).emit("private", 1).toCompletableFuture().join();

        assertThat(target.assertEvent("private").data().asInt()).isEqualTo(1);
        fence(target, other);
    }

    @Test
    void socketIdSelectsThatSocketInANamespaceOnRedis() {
        server(0).of("/chat");
        server(1).of("/chat");
        TestClient a = cluster.client(0);
        ok(a.connect(Map.of("namespace", "/chat")));
        TestClient b = cluster.client(0);
        ok(b.connect(Map.of("namespace", "/chat")));

        assertThat(server(1).of("/chat").to(a.id()).socketIds()).containsExactly(a.id());
        assertThat(server(1).of("/chat").except(a.id()).socketIds()).containsExactly(b.id());
        assertThat(server(1).to(a.id()).socketIds()).as("not a socket of '/'").isEmpty();
    }

    @Test
    void socketsJoinOnOneInstanceMovesSocketsStreamingOnTheOthers() {
        TestClient a = memberOn(0, "lobby");
        TestClient c = memberOn(2, "lobby");
        TestClient outsider = streamingOn(1);

        server(1).in("lobby").socketsJoin("news");
        server(1).to("news").emit("headline", "moved").toCompletableFuture().join();

        assertThat(a.assertEvent("headline").data().asText()).isEqualTo("moved");
        assertThat(c.assertEvent("headline").data().asText()).isEqualTo("moved");
        assertThat(server(0).roomMembers("news")).containsExactlyInAnyOrder(a.id(), c.id());
        fence(a, c, outsider);
    }

    @Test
    void disconnectSocketsAcrossInstancesRunsEachDisconnectListenerOnce() {
        List<TestClient> doomed = List.of(memberOn(0, "doomed"), memberOn(1, "doomed"), memberOn(2, "doomed"));
        TestClient survivor = streamingOn(2);

        server(1).in("doomed").disconnectSockets();

        for (TestClient c : doomed) {
            assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                    .isEqualTo("server namespace disconnect");
        }
        Set<String> ids =
                Set.of(doomed.get(0).id(), doomed.get(1).id(), doomed.get(2).id());
        await().atMost(WAIT).until(() -> disconnects.keySet().equals(ids));
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> disconnects.keySet().equals(ids)
                        && disconnects.values().stream().allMatch(n -> n.get() == 1));
        ok(cluster.as(survivor, 0).emit("join", "x"));
    }

    @Test
    void exceptOnlyDisconnectSocketsOnRedisEndsEveryoneElse() {
        TestClient kept = memberOn(0, "keep");
        TestClient b = streamingOn(1);
        TestClient c = streamingOn(2);

        server(2).except("keep").disconnectSockets();

        b.assertEvent("__disconnect");
        c.assertEvent("__disconnect");
        assertThat(get(server(1).fetchSockets())).extracting(RemoteSocket::id).containsExactly(kept.id());
        fence(kept);
    }

    // ---------------------------------------------------------------------------- broadcast acks

    @Test
    void broadcastAckCollectsAnswersFromClientsOnThreeInstances() {
        for (int i = 0; i < 3; i++) {
            String name = "node" + i;
            memberOn(i, "voters").autoAnswer("vote?", d -> Map.of("vote", name));
        }

        List<Vote> votes = get(server(0)
                .to("voters")
                .timeout(Duration.ofSeconds(5))
                .emitWithAck("vote?", Map.of("q", "lunch"), Vote.class));

        assertThat(votes).containsExactlyInAnyOrder(new Vote("node0"), new Vote("node1"), new Vote("node2"));
    }

    @Test
    void broadcastAckTimeoutReturnsThePartialListAcrossInstances() {
        memberOn(1, "voters").autoAnswer("vote?", d -> "yes");
        memberOn(2, "voters").autoAnswer("vote?", d -> "no");
        memberOn(2, "voters"); // never answers

        Throwable failure = catchThrowable(() -> server(0)
                .to("voters")
                .timeout(Duration.ofSeconds(3))
                .emitWithAck("vote?", null)
                .toCompletableFuture()
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS));

        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).isInstanceOfSatisfying(BroadcastAckTimeoutException.class, t -> {
            assertThat(t.expected()).isEqualTo(3);
            assertThat(t.answers()).extracting(JsonNode::asText).containsExactlyInAnyOrder("yes", "no");
        });
    }

    @Test
    void broadcastAckStopsWaitingForARecipientThatDisconnectsOnAnotherInstance() throws Exception {
        memberOn(1, "voters").autoAnswer("vote?", d -> "yes");
        TestClient silent = memberOn(2, "voters");

        java.util.concurrent.CompletableFuture<List<JsonNode>> answers = server(0)
                .to("voters")
                .emitWithAck("vote?", null) // default timeout: 10 s
                .toCompletableFuture();
        silent.awaitEvent("vote?");
        ok(cluster.as(silent, 1).disconnect());

        assertThat(answers.get(5, TimeUnit.SECONDS))
                .extracting(JsonNode::asText)
                .containsExactly("yes");
    }

    // ----------------------------------------------------------------------- threads and commits

    /**
     * Calls each async variant from a handler and reports the thread a callback chained on its stage
     * ran on (on Redis the backend completes stages on its I/O threads).
     */
    private static Map<String, String> asyncThreads(SocketServer server, Socket socket) {
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("joinAsync", callbackThread(socket.joinAsync("async")));
        seen.put("roomsAsync", callbackThread(socket.roomsAsync()));
        seen.put("setAsync", callbackThread(socket.data().setAsync("k", "v")));
        seen.put("getAsync", callbackThread(socket.data().getAsync("k")));
        seen.put("allAsync", callbackThread(socket.data().allAsync()));
        seen.put("roomMembersAsync", callbackThread(server.roomMembersAsync("async")));
        seen.put("fetchSockets", callbackThread(server.fetchSockets()));
        seen.put("leaveAsync", callbackThread(socket.leaveAsync("async")));
        return seen;
    }

    private static String callbackThread(CompletionStage<?> stage) {
        return stage.thenApply(v -> Thread.currentThread().getName())
                .toCompletableFuture()
                .join();
    }

    @Test
    void asyncVariantsCompleteOnTheHandlerExecutorOnRedis() {
        TestClient c = cluster.client(1);
        ok(c.connect());

        TestClient.Emitted e = c.emitWithAck("asyncThreads", null, true);

        ok(e.response());
        JsonNode seen = e.response().json().path("ack");
        assertThat(seen.size()).isEqualTo(8);
        seen.fields().forEachRemaining(f -> assertThat(f.getValue().asText())
                .as("thread of the callback on %s", f.getKey())
                .startsWith(HANDLER_THREAD));
    }

    @Test
    void emitFromAnotherThreadDuringAHandlerIsInTheLogWhenThePostIsAnswered() {
        TestClient listener = memberOn(2, "r");
        TestClient sender = cluster.client(0);
        ok(sender.connect());

        ok(sender.emit("tellFromAnotherThread", "hello"));
        List<RoomMessage> history = get(server(1).history("r", 10, "told"));

        assertThat(history).extracting(m -> m.data().asText()).containsExactly("hello");
        assertThat(listener.assertEvent("told").sessionId()).isEqualTo(sender.id());
    }

    // ----------------------------------------------------------- register, off, handler failures

    @Test
    void registeredListenerRunsOnEveryInstance() {
        for (int i = 0; i < 3; i++) {
            server(i).register(new Lobby());
        }
        TestClient alice = cluster.client(0);
        ok(alice.connect());

        TestClient.Emitted e = cluster.as(alice, 2).emitWithAck("echo", Map.of("n", 1), true);

        ok(e.response());
        assertThat(e.response().json().path("ack").path("n").asInt()).isEqualTo(1);
        assertThat(server(1).roomMembers("lobby")).containsExactly(alice.id());
    }

    @Test
    void registerRejectsABadSignatureNamingTheMethod() {
        Object bad = new Object() {
            @OnEvent("vote")
            String vote(Socket socket, io.socketserve.Ack ack) {
                return "yes";
            }
        };

        assertThatThrownBy(() -> server(0).register(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vote(")
                .hasMessageContaining("Ack");
        TestClient c = cluster.client(0);
        ok(c.connect());
        assertThat(c.emitWithAck("vote", null, true).response().json().has("ack"))
                .as("nothing of the listener was registered")
                .isFalse();
    }

    @Test
    void offRemovesTheHandler() {
        EventHandler handler = (socket, data, ack) -> ack.send("handled");
        for (int i = 0; i < 3; i++) {
            server(i).on("once", handler).onUnhandled((socket, data, ack) -> ack.send("unhandled"));
        }
        TestClient c = cluster.client(0);
        ok(c.connect());
        assertThat(cluster.as(c, 1)
                        .emitWithAck("once", null, true)
                        .response()
                        .json()
                        .path("ack")
                        .asText())
                .isEqualTo("handled");

        for (int i = 0; i < 3; i++) {
            server(i).off("once", handler);
        }

        for (int i = 0; i < 3; i++) {
            assertThat(cluster.as(c, i)
                            .emitWithAck("once", null, true)
                            .response()
                            .json()
                            .path("ack")
                            .asText())
                    .as("on instance %d", i)
                    .isEqualTo("unhandled");
        }
    }

    @Test
    void throwingHandlerAnswers500WithAnErrorIdOnRedis() {
        for (int i = 0; i < 3; i++) {
            server(i).on("boom", (socket, data, ack) -> {
                throw new ExpectedFailure("kaput");
            });
        }
        TestClient c = cluster.client(0);
        ok(c.connect());

        HttpResult r = cluster.as(c, 2).emit("boom", null);

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.error()).isEqualTo("internal_error");
        String errorId = r.json().path("errorId").asText();
        assertThat(errorId).matches("[0-9a-f]{12}");
        assertThat(r.message()).contains("boom", errorId).doesNotContain("kaput");
    }
}
