package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import io.socketserve.spi.Backend;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every configurable limit, pushed one past its value: sessions, rooms per socket, room names,
 * event names, handler concurrency, payload size — and memory an anonymous client can make the
 * server hold. Each answers a JSON error with a machine-readable code and harms no one else.
 */
class LimitsIT {

    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(TestServer::close);
    }

    private TestServer server(UnaryOperator<io.socketserve.ServerOptions.Builder> options) {
        TestServer s = TestServer.start(options);
        servers.add(s);
        s.server().on("join", (socket, data, ack) -> {
            socket.join(data.asText());
            ack.send(socket.rooms());
        });
        return s;
    }

    private static void assertError(HttpResult r, int status, String code) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        assertThat(r.error()).as("error of %s", r).isEqualTo(code);
        assertThat(r.message()).as("message of %s", r).isNotBlank();
    }

    private static HttpResult connect(TestServer s) {
        return s.client().rawPost("/connect", new byte[0], Map.of());
    }

    // ---------------------------------------------------------------------------------- sessions

    @Test
    void sessionsPastMaxSessionsAre503TooManySessions() {
        TestServer s = server(o -> o.maxSessions(3));
        for (int i = 0; i < 3; i++) {
            assertThat(connect(s).status()).isEqualTo(200);
        }

        HttpResult r = connect(s);

        assertError(r, 503, "too_many_sessions");
        assertThat(r.header("Retry-After")).isNotNull();
    }

    @Test
    void aSessionThatEndsFreesItsPlace() {
        TestServer s = server(o -> o.maxSessions(2));
        TestClient first = s.connectedClient();
        s.connectedClient();
        assertError(connect(s), 503, "too_many_sessions");

        assertThat(first.disconnect().status()).isEqualTo(200);

        assertThat(connect(s).status()).isEqualTo(200);
    }

    @Test
    void concurrentConnectsDoNotOvershootMaxSessions() throws Exception {
        InMemoryBackend backend = new InMemoryBackend();
        TestServer s = server(o -> o.backend(backend).maxSessions(10).connectionRateLimit(0, 1));
        int attempts = 200;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        byte[] request = "POST /socket/connect HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < attempts; i++) {
            statuses.add(pool.submit(() -> {
                go.await();
                RawExchange.Result r = RawExchange.send(s.address(), request, Duration.ofSeconds(10));
                return r.answered() ? r.response().status() : -1;
            }));
        }
        go.countDown();
        int accepted = 0;
        for (Future<Integer> f : statuses) {
            int status = f.get(30, TimeUnit.SECONDS);
            assertThat(status).isIn(200, 503);
            accepted += status == 200 ? 1 : 0;
        }
        pool.shutdown();

        assertThat(accepted).as("sessions created").isEqualTo(10);
        assertThat(backend.sessionCount().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isEqualTo(10);
    }

    /**
     * Connects reach the backend together, instead of one creation per backend round trip (issue
     * 16). A backend that counts and creates in one atomic step gets each with the whole limit; one
     * whose count and creation are two steps gets each with the limit less the connects already in
     * flight, so that together they cannot overshoot it.
     */
    @ParameterizedTest(name = "admits atomically: {0}")
    @ValueSource(booleans = {true, false})
    void connectsReachTheBackendTogether(boolean atomic) throws Exception {
        HeldCreations held = new HeldCreations(new InMemoryBackend(), atomic);
        TestServer s = server(o -> o.backend(held.backend).maxSessions(100).connectionRateLimit(0, 1));
        int connects = 8;
        ExecutorService pool = Executors.newFixedThreadPool(connects);
        byte[] request = "POST /socket/connect HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < connects; i++) {
            statuses.add(pool.submit(() -> {
                RawExchange.Result r = RawExchange.send(s.address(), request, Duration.ofSeconds(20));
                return r.answered() ? r.response().status() : -1;
            }));
        }
        try {
            // every creation is held until released: all eight are in flight together
            await().atMost(Duration.ofSeconds(10)).until(() -> held.inFlight() == connects);
            held.releaseAll();
            for (Future<Integer> f : statuses) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            held.releaseAll();
            pool.shutdownNow();
        }
        assertThat(held.created()).isEqualTo(connects);
        if (atomic) {
            assertThat(held.limits()).containsOnly(100L);
        } else {
            assertThat(held.limits()).containsExactlyInAnyOrder(100L, 99L, 98L, 97L, 96L, 95L, 94L, 93L);
        }
    }

    /**
     * An in-memory backend (behind a proxy) whose session creations complete only when released,
     * and which says it admits atomically or not; counts the creations in flight.
     */
    private static final class HeldCreations {
        final Backend backend;
        private final List<CompletableFuture<Void>> gates = new CopyOnWriteArrayList<>();
        private final List<Long> limits = new CopyOnWriteArrayList<>();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger created = new AtomicInteger();

        HeldCreations(InMemoryBackend memory, boolean atomic) {
            this.backend = (Backend) Proxy.newProxyInstance(
                    Backend.class.getClassLoader(), memory.getClass().getInterfaces(), (proxy, method, args) -> {
                        String name = method.getName();
                        if (name.equals("admitsAtomically")) {
                            return atomic;
                        }
                        Object result;
                        try {
                            result = method.invoke(memory, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (name.equals("createSessionIfRoom") || name.equals("createSessionIfRoomAt")) {
                            limits.add((Long) args[2]);
                            return hold((CompletionStage<?>) result);
                        }
                        return result;
                    });
        }

        private CompletionStage<?> hold(CompletionStage<?> creation) {
            inFlight.incrementAndGet();
            created.incrementAndGet();
            CompletableFuture<Void> gate = new CompletableFuture<>();
            gates.add(gate);
            return gate.thenCompose(v -> {
                inFlight.decrementAndGet();
                return creation;
            });
        }

        int inFlight() {
            return inFlight.get();
        }

        int created() {
            return created.get();
        }

        /** The {@code maxSessions} each creation was asked to stay below. */
        List<Long> limits() {
            return limits;
        }

        void releaseAll() {
            gates.forEach(g -> g.complete(null));
        }
    }

    // ------------------------------------------------------------------------------------- rooms

    @Test
    void joiningPastMaxRoomsPerSocketIsRoomLimitAndChangesNothing() {
        TestServer s = server(o -> o.maxRoomsPerSocket(3));
        TestClient c = s.connectedClient();
        for (String room : List.of("a", "b", "c")) {
            assertThat(c.emit("join", room).status()).isEqualTo(200);
        }

        HttpResult r = c.emitWithAck("join", "d", true).response();

        assertError(r, 422, "room_limit");
        assertThat(s.server().socketRooms(c.id())).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(s.server().roomMembers("d")).isEmpty();
        assertThat(c.emit("join", "a").status())
                .as("re-joining a room it is in")
                .isEqualTo(200);
    }

    @Test
    void roomNamePastMaxRoomNameLengthIsInvalidRoom() {
        TestServer s = server(o -> o.maxRoomNameLength(32));
        TestClient c = s.connectedClient();

        assertThat(c.emit("join", "r".repeat(32)).status()).isEqualTo(200);
        assertError(c.emit("join", "r".repeat(33)), 400, "invalid_room");
        assertError(c.emit("join", "r".repeat(100_000)), 400, "invalid_room");
        assertError(c.emit("join", ""), 400, "invalid_room");
        assertThat(s.server().socketRooms(c.id())).containsExactly("r".repeat(32));
    }

    @Test
    void roomNameWithControlCharactersIsInvalidRoom() {
        TestServer s = server(o -> o);
        TestClient c = s.connectedClient();

        for (String room : List.of("a\u0000b", "line\nbreak", "tab\there", "del\u007f", "c1\u0085", "\r")) {
            assertError(c.emit("join", room), 400, "invalid_room");
        }
        assertThat(s.server().socketRooms(c.id())).isEmpty();
    }

    // ------------------------------------------------------------------------------------ events

    @Test
    void eventNamePastMaxEventNameLengthIs400() {
        TestServer s = server(o -> o.maxEventNameLength(16));
        s.server().onUnhandled((socket, data, ack) -> ack.send("ok"));
        TestClient c = s.connectedClient();

        assertThat(c.emit("e".repeat(16), null).status()).isEqualTo(200);
        assertError(c.emit("e".repeat(17), null), 400, "invalid_field");
        assertError(c.emit("e".repeat(50_000), null), 400, "invalid_field");
    }

    @Test
    void handlerEmittingAnOverlongEventNameIsRefused() {
        TestServer s = server(o -> o.maxEventNameLength(16));
        s.server().on("relay", (socket, data, ack) -> socket.emit(data.asText(), null));
        TestClient c = s.streamingClient();

        assertError(c.emit("relay", "x".repeat(17)), 400, "invalid_event");
        assertThat(c.emit("relay", "short").status()).isEqualTo(200);
        assertThat(c.assertEvent("short").event()).isEqualTo("short");
    }

    @Test
    void handlersPastMaxConcurrentHandlersAre503Overloaded() throws Exception {
        TestServer s = server(o -> o.maxConcurrentHandlers(2));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(2);
        s.server().on("block", (socket, data, ack) -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
        });
        TestClient a = s.connectedClient();
        TestClient b = s.connectedClient();
        TestClient third = s.connectedClient();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<HttpResult> fa = pool.submit(() -> a.emit("block", null));
            Future<HttpResult> fb = pool.submit(() -> b.emit("block", null));
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            HttpResult r = third.emit("block", null);

            assertError(r, 503, "overloaded");
            assertThat(r.header("Retry-After")).isNotNull();
            release.countDown();
            assertThat(fa.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(fb.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        } finally {
            release.countDown();
            pool.shutdown();
        }
    }

    // ----------------------------------------------------------------------------------- payload

    @Test
    void connectBodyPastMaxPayloadBytesIs413() {
        TestServer s = server(o -> o.maxPayloadBytes(1024));
        byte[] body = TestClient.json(Map.of("auth", Map.of("token", "t".repeat(2000))));

        assertError(
                s.client().rawPost("/connect", body, Map.of("Content-Type", "application/json")),
                413,
                "payload_too_large");
    }

    // ------------------------------------------------------------------------------------ memory

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** {@code count} GETs of distinct paths on one keep-alive connection, pipelined in batches. */
    private static void getDistinctPaths(TestServer s, int count, int pathLength) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(s.address(), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String pad = "p".repeat(pathLength);
            for (int done = 0; done < count; done += 50) {
                for (int i = done; i < done + 50; i++) {
                    out.write(("GET /" + i + "-" + pad + " HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                for (int i = done; i < done + 50; i++) {
                    assertThat(RawExchange.readResponse(in, false).status()).isEqualTo(404);
                }
            }
        }
    }

    @Test
    void notFoundPathsDoNotAccumulateInMemory() throws Exception {
        TestServer s = server(o -> o);
        getDistinctPaths(s, 100, 10); // warm up
        long before = heapAfterGc();

        long t0 = System.nanoTime();
        getDistinctPaths(s, 30_000, 490); // ~15 MB of distinct paths (static lookups take up to 511 chars)

        long growth = heapAfterGc() - before;
        System.out.printf(
                "LimitsIT: heap growth after 30000 distinct 404 paths: %d KiB (%d ms)%n",
                growth >> 10, (System.nanoTime() - t0) / 1_000_000);
        assertThat(growth).as("heap kept after 30000 distinct 404s").isLessThan(8L * 1024 * 1024);
    }
}
