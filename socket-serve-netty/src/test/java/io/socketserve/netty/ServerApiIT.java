package io.socketserve.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.BroadcastAckTimeoutException;
import io.socketserve.DisconnectReason;
import io.socketserve.RemoteSocket;
import io.socketserve.RoomMessage;
import io.socketserve.Socket;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import io.socketserve.spi.Backend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server API of issue 14 over real HTTP, in memory: socket ids as rooms, except-only selections,
 * {@code fetchSockets} and what a {@link RemoteSocket} carries and does, broadcast acknowledgements,
 * typed acknowledgements, the async variants (where their stages complete), and emits made from
 * another thread while a handler runs. Expectations that something did <em>not</em> arrive end with
 * a fence (an emit to everybody): the log is ordered, so a frame that should not have arrived would
 * have arrived before the fence.
 */
class ServerApiIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Map<String, AtomicInteger> disconnects = new ConcurrentHashMap<>();
    private final Map<String, DisconnectReason> reasons = new ConcurrentHashMap<>();
    private final TestServer ts = TestServer.start(o -> o.handshakeHeaders(List.of("X-Client-Version")));

    ServerApiIT() {
        ts.server().on("join", (s, d, a) -> s.join(d.asText()));
        ts.server().on("tell", (s, d, a) -> s.to(d.path("to").asText()).emit("told", d.path("text")));
        ts.server().onDisconnect((s, reason) -> {
            disconnects.computeIfAbsent(s.id(), k -> new AtomicInteger()).incrementAndGet();
            reasons.put(s.id(), reason);
        });
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    /** A typed acknowledgement. */
    public record Vote(String vote) {}

    private static void fence(TestServer ts, TestClient... clients) {
        ts.server().emit("fence", null).toCompletableFuture().join();
        for (TestClient c : clients) {
            c.assertEvent("fence");
            c.assertExhausted();
        }
    }

    private TestClient member(String room) {
        TestClient c = ts.streamingClient();
        assertThat(c.emit("join", room).status()).isEqualTo(200);
        return c;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("stage did not complete normally", e);
        }
    }

    private static Throwable failureOf(CompletionStage<?> stage) {
        Throwable t = catchThrowable(() -> stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class);
        return t.getCause();
    }

    private static RemoteSocket only(List<RemoteSocket> sockets, String id) {
        return sockets.stream()
                .filter(s -> s.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no socket " + id + " in " + sockets));
    }

    // ------------------------------------------------------------------------- socket ids as rooms

    @Test
    void toSocketIdEmitReachesOnlyThatSocket() {
        TestClient a = ts.streamingClient();
        TestClient b = ts.streamingClient();
        TestClient c = ts.streamingClient();

        ts.server().to(b.id()).emit("private", 1).toCompletableFuture().join();

        assertThat(b.assertEvent("private").data().asInt()).isEqualTo(1);
        fence(ts, a, b, c);
    }

    @Test
    void toRoomExceptSocketIdSkipsThatSocket() {
        TestClient a = member("r");
        TestClient b = member("r");
        TestClient c = member("r");

        ts.server().to("r").except(b.id()).emit("news", 1).toCompletableFuture().join();

        a.assertEvent("news");
        c.assertEvent("news");
        fence(ts, a, b, c);
    }

    @Test
    void serverExceptRoomReachesEveryoneElse() {
        TestClient muted = member("muted");
        TestClient b = ts.streamingClient();
        TestClient c = member("other");

        ts.server().except("muted").emit("news", 1).toCompletableFuture().join();

        b.assertEvent("news");
        c.assertEvent("news");
        fence(ts, muted, b, c);
    }

    @Test
    void socketToRoomStillExcludesTheSender() {
        TestClient alice = member("r");
        TestClient bob = member("r");

        assertThat(alice.emit("tell", Map.of("to", "r", "text", "psst")).status())
                .isEqualTo(200);

        assertThat(bob.assertEvent("told").sessionId()).isEqualTo(alice.id());
        fence(ts, alice, bob);
    }

    @Test
    void socketToAnotherSocketsIdReachesOnlyThatSocket() {
        TestClient alice = ts.streamingClient();
        TestClient bob = ts.streamingClient();
        TestClient carol = ts.streamingClient();

        assertThat(alice.emit("tell", Map.of("to", bob.id(), "text", "psst")).status())
                .isEqualTo(200);

        assertThat(bob.assertEvent("told").data().asText()).isEqualTo("psst");
        fence(ts, alice, bob, carol);
    }

    @Test
    void socketIdSelectsThatSocketInANamespace() {
        ts.server().of("/chat");
        TestClient a = ts.client();
        a.connect(Map.of("namespace", "/chat"));
        TestClient b = ts.client();
        b.connect(Map.of("namespace", "/chat"));

        assertThat(ts.server().of("/chat").to(a.id()).socketIds()).containsExactly(a.id());
        assertThat(ts.server().of("/chat").except(a.id()).socketIds()).containsExactly(b.id());
        assertThat(ts.server().to(a.id()).socketIds()).as("not a socket of '/'").isEmpty();
    }

    // ------------------------------------------------------------------------------ fetchSockets

    @Test
    void fetchSocketsReturnsEverySocketWithItsRoomsDataAndConnectionTime() {
        Instant before = Instant.now().minusSeconds(1);
        TestClient a = member("r");
        TestClient b = ts.streamingClient();
        ts.server().socket(a.id()).orElseThrow().data().set("score", 7);

        List<RemoteSocket> sockets = get(ts.server().fetchSockets());

        assertThat(sockets).extracting(RemoteSocket::id).containsExactlyInAnyOrder(a.id(), b.id());
        RemoteSocket ra = only(sockets, a.id());
        assertThat(ra.namespace()).isEqualTo("/");
        assertThat(ra.rooms()).containsExactly("r");
        assertThat(ra.data()).containsOnlyKeys("score");
        assertThat(ra.data().get("score").asInt()).isEqualTo(7);
        assertThat(ra.connectedSince()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(only(sockets, b.id()).rooms()).isEmpty();
    }

    @Test
    void fetchSocketsOfARoomReturnsOnlyItsMembers() {
        TestClient a = member("r");
        TestClient b = member("r");
        member("elsewhere");
        ts.streamingClient();

        List<RemoteSocket> sockets = get(ts.server().in("r").fetchSockets());

        assertThat(sockets).extracting(RemoteSocket::id).containsExactlyInAnyOrder(a.id(), b.id());
    }

    @Test
    void fetchSocketsOfANamespaceReturnsItsSocketsWithRoomNames() {
        ts.server().of("/chat");
        TestClient chatter = ts.client();
        chatter.connect(Map.of("namespace", "/chat"));
        ts.server().socket(chatter.id()).orElseThrow().join("lobby");
        TestClient root = ts.connectedClient();

        List<RemoteSocket> chat = get(ts.server().of("/chat").fetchSockets());

        assertThat(chat).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo(chatter.id());
            assertThat(s.namespace()).isEqualTo("/chat");
            assertThat(s.rooms()).containsExactly("lobby");
        });
        assertThat(get(ts.server().fetchSockets())).extracting(RemoteSocket::id).containsExactly(root.id());
    }

    @Test
    void fetchSocketsShowsTheHandshakeAddressNamedHeadersAndMiddlewareAttributes() {
        ts.server().use(handshake -> handshake.attribute("user", "alice"));
        TestClient c = ts.client();
        HttpResult r = c.rawPost(
                "/connect",
                TestClient.json(Map.of()),
                Map.of("Content-Type", "application/json", "X-Client-Version", "1.2.3", "X-Not-Kept", "no"));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        String id = r.json().path("id").asText();

        RemoteSocket.HandshakeInfo handshake =
                only(get(ts.server().fetchSockets()), id).handshake();

        assertThat(handshake.address()).isEqualTo("127.0.0.1");
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(handshake.headers());
        assertThat(headers).containsOnlyKeys("X-Client-Version");
        assertThat(headers.get("X-Client-Version")).isEqualTo("1.2.3");
        assertThat(handshake.attributes()).isEqualTo(Map.of("user", "alice"));
    }

    @Test
    void socketAttributesLeaveOutTheServersReservedAttributes() {
        ts.server().use(handshake -> handshake.attribute("user", "alice"));
        TestClient c = ts.client();
        c.rawPost(
                "/connect",
                TestClient.json(Map.of()),
                Map.of("Content-Type", "application/json", "X-Client-Version", "1.2.3"));
        String id = get(ts.server().fetchSockets()).get(0).id();

        Socket socket = ts.server().socket(id).orElseThrow();

        assertThat(socket.attributes()).isEqualTo(Map.of("user", "alice"));
    }

    @Test
    void middlewareCannotSetAReservedAttribute() {
        System.out.println("ServerApiIT: the WARN with a stack trace below is expected"
                + " (a connection middleware sets a reserved attribute; the server logs its failure)");
        ts.server().use(handshake -> handshake.attribute("$address", "10.0.0.1"));

        HttpResult r =
                ts.client().rawPost("/connect", TestClient.json(Map.of()), Map.of("Content-Type", "application/json"));

        assertThat(r.status()).as("%s", r).isEqualTo(403);
        assertThat(r.error()).isEqualTo("handshake_failed");
        assertThat(get(ts.server().fetchSockets())).isEmpty();
    }

    // ------------------------------------------------------------------------ RemoteSocket actions

    @Test
    void remoteSocketEmitReachesTheClient() {
        TestClient c = ts.streamingClient();
        RemoteSocket remote = only(get(ts.server().fetchSockets()), c.id());

        get(remote.emit("hello", Map.of("n", 1)));

        assertThat(c.assertEvent("hello").data().path("n").asInt()).isEqualTo(1);
        fence(ts, c);
    }

    @Test
    void remoteSocketJoinAndLeaveChangeItsRooms() {
        TestClient c = ts.streamingClient();
        RemoteSocket remote = only(get(ts.server().fetchSockets()), c.id());

        get(remote.join("x", "y"));
        assertThat(ts.server().socketRooms(c.id())).containsExactlyInAnyOrder("x", "y");
        get(remote.leave("x"));
        assertThat(ts.server().socketRooms(c.id())).containsExactly("y");

        ts.server().to("x").emit("toX", null).toCompletableFuture().join();
        ts.server().to("y").emit("toY", null).toCompletableFuture().join();
        c.assertEvent("toY");
        fence(ts, c);
    }

    @Test
    void remoteSocketJoinIsNotSubjectToTheJoinAuthorizer() {
        ts.server().authorizeJoin((socket, room) -> false);
        TestClient c = ts.streamingClient();
        assertThat(c.emit("join", "vip").status()).isEqualTo(403);
        RemoteSocket remote = only(get(ts.server().fetchSockets()), c.id());

        get(remote.join("vip"));

        assertThat(ts.server().socketRooms(c.id())).containsExactly("vip");
    }

    @Test
    void remoteSocketDisconnectEndsTheSessionAndRunsTheListenerOnce() {
        TestClient c = ts.streamingClient();
        RemoteSocket remote = only(get(ts.server().fetchSockets()), c.id());

        get(remote.disconnect());

        assertThat(c.assertEvent("__disconnect").data().path("reason").asText())
                .isEqualTo("server namespace disconnect");
        assertThat(c.awaitStreamEnd(WAIT)).isTrue();
        assertThat(c.emit("join", "x").status()).isEqualTo(404);
        await().atMost(WAIT).until(() -> disconnects.containsKey(c.id()));
        assertThat(reasons.get(c.id())).isEqualTo(DisconnectReason.SERVER_DISCONNECT);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> disconnects.get(c.id()).get() == 1);
    }

    // ---------------------------------------------------------------------------- broadcast acks

    @Test
    void broadcastAckCollectsTheAnswerOfEveryRecipient() {
        for (String name : List.of("ann", "bob", "cat")) {
            member("voters")
                    .autoAnswer(
                            "vote?",
                            d -> Map.of("vote", name + ":" + d.path("q").asText()));
        }

        List<JsonNode> answers =
                get(ts.server().to("voters").timeout(Duration.ofSeconds(5)).emitWithAck("vote?", Map.of("q", "lunch")));

        assertThat(answers)
                .extracting(a -> a.path("vote").asText())
                .containsExactlyInAnyOrder("ann:lunch", "bob:lunch", "cat:lunch");
    }

    @Test
    void broadcastAckTimeoutCarriesTheAnswersReceivedSoFar() {
        member("voters").autoAnswer("vote?", d -> "yes");
        member("voters").autoAnswer("vote?", d -> "no");
        member("voters"); // never answers

        Throwable failure = failureOf(
                ts.server().to("voters").timeout(Duration.ofSeconds(2)).emitWithAck("vote?", null));

        assertThat(failure).isInstanceOf(BroadcastAckTimeoutException.class);
        BroadcastAckTimeoutException timeout = (BroadcastAckTimeoutException) failure;
        assertThat(timeout.code()).isEqualTo("ack_timeout");
        assertThat(timeout.expected()).isEqualTo(3);
        assertThat(timeout.answers()).extracting(JsonNode::asText).containsExactlyInAnyOrder("yes", "no");
    }

    @Test
    void broadcastAckStopsWaitingForARecipientThatDisconnects() throws Exception {
        member("voters").autoAnswer("vote?", d -> "yes");
        TestClient silent = member("voters");

        CompletableFuture<List<JsonNode>> answers = ts.server()
                .to("voters")
                .emitWithAck("vote?", null) // default timeout: 10 s
                .toCompletableFuture();
        silent.awaitEvent("vote?");
        assertThat(silent.disconnect().status()).isEqualTo(200);

        assertThat(answers.get(5, TimeUnit.SECONDS))
                .extracting(JsonNode::asText)
                .containsExactly("yes");
    }

    @Test
    void broadcastAckToNobodyCompletesAtOnceWithNoAnswer() throws Exception {
        ts.streamingClient().autoAnswer("vote?", d -> "yes");

        CompletableFuture<List<JsonNode>> answers = ts.server()
                .to("empty")
                .emitWithAck("vote?", null) // default timeout: 10 s
                .toCompletableFuture();

        assertThat(answers.get(2, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void typedBroadcastAckBindsEveryAnswer() {
        member("voters").autoAnswer("vote?", d -> Map.of("vote", "yes"));
        member("voters").autoAnswer("vote?", d -> Map.of("vote", "no"));

        List<Vote> votes =
                get(ts.server().to("voters").timeout(Duration.ofSeconds(5)).emitWithAck("vote?", null, Vote.class));

        assertThat(votes).containsExactlyInAnyOrder(new Vote("yes"), new Vote("no"));
    }

    @Test
    void typedSocketEmitWithAckBindsTheAnswer() {
        TestClient c = ts.streamingClient().autoAnswer("vote?", d -> Map.of("vote", "maybe"));
        Socket socket = ts.server().socket(c.id()).orElseThrow();

        Vote vote = get(socket.emitWithAck("vote?", null, Duration.ofSeconds(5), Vote.class));

        assertThat(vote).isEqualTo(new Vote("maybe"));
    }

    // ------------------------------------------------------------ selections without to(…)

    @Test
    void exceptOnlySocketsJoinMovesEveryoneElse() {
        TestClient a = member("x");
        TestClient b = ts.streamingClient();
        TestClient c = ts.streamingClient();

        ts.server().except("x").socketsJoin("y");

        assertThat(ts.server().roomMembers("y")).containsExactlyInAnyOrder(b.id(), c.id());
        assertThat(ts.server().socketRooms(a.id())).containsExactly("x");
    }

    @Test
    void exceptOnlySocketsLeaveRemovesEveryoneElse() {
        TestClient a = member("y");
        TestClient b = member("y");
        TestClient c = member("y");
        ts.server().socket(a.id()).orElseThrow().join("x");

        ts.server().except("x").socketsLeave("y");

        assertThat(ts.server().roomMembers("y")).containsExactly(a.id());
        assertThat(ts.server().socketRooms(b.id())).isEmpty();
        assertThat(ts.server().socketRooms(c.id())).isEmpty();
    }

    @Test
    void exceptOnlyDisconnectSocketsEndsEveryoneElseOnce() {
        TestClient kept = member("keep");
        TestClient b = ts.streamingClient();
        TestClient c = ts.streamingClient();

        ts.server().except("keep").disconnectSockets();

        for (TestClient gone : List.of(b, c)) {
            assertThat(gone.assertEvent("__disconnect").data().path("reason").asText())
                    .isEqualTo("server namespace disconnect");
            assertThat(gone.emit("join", "z").status()).isEqualTo(404);
        }
        assertThat(kept.emit("join", "z").status()).isEqualTo(200);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> disconnects.keySet().equals(Set.of(b.id(), c.id()))
                        && disconnects.values().stream().allMatch(n -> n.get() == 1));
    }

    @Test
    void exceptSocketIdDisconnectSocketsEndsEveryoneElse() {
        TestClient kept = ts.streamingClient();
        TestClient gone = ts.streamingClient();

        ts.server().except(kept.id()).disconnectSockets();

        gone.assertEvent("__disconnect");
        assertThat(get(ts.server().fetchSockets())).extracting(RemoteSocket::id).containsExactly(kept.id());
        fence(ts, kept);
    }

    // ------------------------------------------------------------------------------ async variants

    /**
     * A handler executor whose threads are named {@code app-handler-N} and that can be held: while
     * held every thread is busy, so a stage that completes "on the handler executor" cannot complete
     * before the test has chained its callback, and the callback must then run on one of its
     * threads. A stage that completed on the caller's thread instead is complete already, and a
     * callback chained on it runs on the test's thread.
     */
    private static final class HeldExecutor implements AutoCloseable {
        private static final int THREADS = 4;
        private final AtomicInteger numbers = new AtomicInteger();
        final ThreadPoolExecutor pool =
                new ThreadPoolExecutor(THREADS, THREADS, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "app-handler-" + numbers.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        private CountDownLatch release = new CountDownLatch(0);

        void hold() throws InterruptedException {
            release = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(THREADS);
            CountDownLatch gate = release;
            for (int i = 0; i < THREADS; i++) {
                pool.execute(() -> {
                    busy.countDown();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(busy.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }

        void release() {
            release.countDown();
        }

        /** The name of the thread a callback chained on {@code call}'s stage runs on, and its value. */
        <T> Seen<T> callbackThread(Supplier<CompletionStage<T>> call) throws InterruptedException {
            hold();
            CompletableFuture<Seen<T>> seen;
            try {
                seen = call.get()
                        .thenApply(v -> new Seen<>(Thread.currentThread().getName(), v))
                        .toCompletableFuture();
            } finally {
                release();
            }
            return get(seen);
        }

        @Override
        public void close() {
            release();
            pool.shutdownNow();
        }
    }

    /** What a callback saw: its thread's name and the stage's value. */
    private record Seen<T>(String thread, T value) {}

    private static final String HANDLER_THREAD = "app-handler-";

    private static void assertHandlerThread(Seen<?> seen) {
        assertThat(seen.thread())
                .as("thread of the callback")
                .startsWith(HANDLER_THREAD)
                .doesNotStartWith("multiThreadIoEventLoop")
                .doesNotStartWith("socket-serve-dispatcher");
    }

    @Test
    void joinAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();

            assertHandlerThread(executor.callbackThread(() -> socket.joinAsync("r")));

            assertThat(held.server().roomMembers("r")).containsExactly(socket.id());
        }
    }

    @Test
    void leaveAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();
            socket.join("r");

            assertHandlerThread(executor.callbackThread(() -> socket.leaveAsync("r")));

            assertThat(held.server().roomMembers("r")).isEmpty();
        }
    }

    @Test
    void roomsAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();
            socket.join("r");

            Seen<Set<String>> seen = executor.callbackThread(socket::roomsAsync);

            assertHandlerThread(seen);
            assertThat(seen.value()).containsExactly("r");
        }
    }

    @Test
    void dataSetAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();

            assertHandlerThread(executor.callbackThread(() -> socket.data().setAsync("k", "v")));

            assertThat(socket.data().get("k").asText()).isEqualTo("v");
        }
    }

    @Test
    void dataGetAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();
            socket.data().set("k", "v");

            Seen<JsonNode> seen = executor.callbackThread(() -> socket.data().getAsync("k"));

            assertHandlerThread(seen);
            assertThat(seen.value().asText()).isEqualTo("v");
        }
    }

    @Test
    void dataAllAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();
            socket.data().set("k", "v");

            Seen<Map<String, JsonNode>> seen =
                    executor.callbackThread(() -> socket.data().allAsync());

            assertHandlerThread(seen);
            assertThat(seen.value()).containsOnlyKeys("k");
        }
    }

    @Test
    void roomMembersAsyncCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Socket socket = held.server().socket(held.connectedClient().id()).orElseThrow();
            socket.join("r");

            Seen<Set<String>> seen = executor.callbackThread(() -> held.server().roomMembersAsync("r"));

            assertHandlerThread(seen);
            assertThat(seen.value()).containsExactly(socket.id());
        }
    }

    @Test
    void fetchSocketsCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            String id = held.connectedClient().id();

            Seen<List<RemoteSocket>> seen =
                    executor.callbackThread(() -> held.server().fetchSockets());

            assertHandlerThread(seen);
            assertThat(seen.value()).extracting(RemoteSocket::id).containsExactly(id);
        }
    }

    @Test
    void broadcastAckToNobodyCompletesOnTheHandlerExecutor() throws InterruptedException {
        try (HeldExecutor executor = new HeldExecutor();
                TestServer held = TestServer.start(o -> o.handlerExecutor(executor.pool))) {
            Seen<List<JsonNode>> seen =
                    executor.callbackThread(() -> held.server().to("empty").emitWithAck("vote?", null));

            assertHandlerThread(seen);
            assertThat(seen.value()).isEmpty();
        }
    }

    // ----------------------------------------------------- emits from another thread in a handler

    /**
     * An in-memory backend whose appends of entries mentioning {@code marker} are made {@code
     * delay} late (on another thread): an emit is then committed well after it was called, as it can
     * be with a remote backend.
     */
    private static Backend slowAppends(String marker, Duration delay, ScheduledExecutorService timer) {
        Backend real = new InMemoryBackend();
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("append") && contains((byte[]) args[0], needle)) {
                CompletableFuture<Object> out = new CompletableFuture<>();
                timer.schedule(
                        () -> ((CompletionStage<?>) method.invoke(real, args)).whenComplete((v, e) -> {
                            if (e != null) {
                                out.completeExceptionally(e);
                            } else {
                                out.complete(v);
                            }
                        }),
                        delay.toMillis(),
                        TimeUnit.MILLISECONDS);
                return out;
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Runs {@code emit} on a new thread and waits for that thread: the handler's own thread never emits. */
    private static void onAnotherThread(Runnable emit) throws InterruptedException {
        Thread t = new Thread(emit, "not-the-handler");
        t.start();
        t.join();
    }

    @Test
    void socketEmitFromAnotherThreadIsCommittedBeforeThePostIsAnswered() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (TestServer slow =
                TestServer.start(o -> o.backend(slowAppends("slowpoke", Duration.ofMillis(300), timer)))) {
            slow.server().on("work", (s, d, a) -> onAnotherThread(() -> s.emit("slowpoke", "from another thread")));
            TestClient c = slow.streamingClient();

            assertThat(c.emit("work", null).status()).isEqualTo(200);
            slow.server().emit("fence", null).toCompletableFuture().join(); // appended at once

            assertThat(c.assertEvent("slowpoke").data().asText()).isEqualTo("from another thread");
            c.assertEvent("fence");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void socketToRoomEmitFromAnotherThreadIsInTheLogWhenThePostIsAnswered() {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (TestServer slow =
                TestServer.start(o -> o.backend(slowAppends("slowpoke", Duration.ofMillis(300), timer)))) {
            slow.server()
                    .on("work", (s, d, a) -> onAnotherThread(() -> s.to("r").emit("slowpoke", d)));
            TestClient listener = slow.streamingClient();
            slow.server().socket(listener.id()).orElseThrow().join("r");
            TestClient sender = slow.connectedClient();

            assertThat(sender.emit("work", "hello").status()).isEqualTo(200);
            List<RoomMessage> history = get(slow.server().history("r", 10, "slowpoke"));

            assertThat(history).extracting(m -> m.data().asText()).containsExactly("hello");
            assertThat(listener.assertEvent("slowpoke").sessionId()).isEqualTo(sender.id());
        } finally {
            timer.shutdownNow();
        }
    }
}
