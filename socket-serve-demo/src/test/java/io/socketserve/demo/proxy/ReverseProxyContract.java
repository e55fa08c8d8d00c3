package io.socketserve.demo.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a reverse proxy configured as {@code docs/deploy.md} says must do, checked end to end: two
 * demo instances on one real Redis behind the proxy, every client request sent to the proxy only
 * (plain round robin decides where it goes). Subclasses start the proxy.
 */
abstract class ReverseProxyContract {

    /**
     * Each blocking call of a test on a thread of its own: the common pool may have a single worker on
     * a 2-core machine, and two blocking calls would wait for each other (seen on JDK 25).
     */
    private static final java.util.concurrent.Executor BLOCKING = task -> new Thread(task, "test-blocking").start();

    private static final String ROOM = "r";
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private DemoInstances instances;
    private ProxyProcess proxy;

    /** Addresses the instances' connection middleware saw (the client address they act on). */
    private final List<String> clientAddresses = new CopyOnWriteArrayList<>();
    /** Instances on which {@code slowSay} began; it blocks only on {@link #slowOn}. */
    private final Set<Integer> slowStarted = ConcurrentHashMap.newKeySet();

    private final AtomicInteger slowHandled = new AtomicInteger();
    private volatile int slowOn = -1;
    private volatile CountDownLatch slowRelease = new CountDownLatch(0);

    /**
     * Starts the proxy in front of the instances on these loopback ports, with the guide's
     * configuration and these further literal replacements in it.
     */
    abstract ProxyProcess startProxy(List<Integer> instancePorts, Map<String, String> changes);

    /** The replacements that set the proxy's read (inactivity) timeouts to {@code value}, e.g. "3s". */
    abstract Map<String, String> readTimeout(String value);

    @BeforeEach
    void start() {
        instances = new DemoInstances(2, this::handlers);
        proxy = startProxy(instances.ports(), Map.of());
    }

    @AfterEach
    void stop() {
        slowRelease.countDown();
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            instances.close();
        }
    }

    private void handlers(SocketServer server, int instance) {
        server.use(handshake -> clientAddresses.add(handshake.remoteAddress()));
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(
                        data.path("room").asText(),
                        "said",
                        Map.of("n", data.path("n").asInt())));
        // A request that is in progress on one chosen instance until the test lets it finish.
        server.on("slowSay", (socket, data, ack) -> {
            slowStarted.add(instance);
            if (instance != slowOn) {
                return; // landed elsewhere: does nothing, the test sends it again
            }
            if (!slowRelease.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            socket.broadcastToRoom(
                    data.path("room").asText(),
                    "said",
                    Map.of("n", data.path("n").asInt()));
            slowHandled.incrementAndGet();
        });
    }

    // ------------------------------------------------------------------------------------- tests

    @Test
    void chatOverServerSentEventsThroughTheProxy() {
        TestClient alice = client();
        alice.connect();
        alice.openStream();
        TestClient bob = client();
        bob.connect();
        bob.openStream();

        ok(alice.emit("joinChannel", Map.of("channelName", "general")));
        ok(bob.emit("joinChannel", Map.of("channelName", "general")));
        alice.await(
                f -> f.event().equals("userJoined")
                        && f.data().path("username").asText().equals(bob.id()),
                "bob joined");
        ok(bob.emit("sendMessage", Map.of("channel", "general", "message", "hello through the proxy")));
        ReceivedFrame a = alice.await(f -> isMessage(f, bob, "hello through the proxy"), "bob's message");
        ReceivedFrame b = bob.await(f -> isMessage(f, bob, "hello through the proxy"), "bob's own message");
        ok(alice.emit("sendMessage", Map.of("channel", "general", "message", "hi bob")));
        bob.await(f -> isMessage(f, alice, "hi bob"), "alice's answer");

        assertThat(a.position()).isEqualTo(b.position());
        assertThat(IntStream.range(0, 2).map(instances::eventsHandled))
                .as("round robin: both instances handled events (no stickiness)")
                .allMatch(n -> n > 0);
    }

    @Test
    void chatOverLongPollingThroughTheProxy() throws Exception {
        TestClient alice = client();
        alice.connect();
        TestClient bob = client();
        bob.connect();
        ok(alice.emit("joinChannel", Map.of("channelName", "general")));
        ok(bob.emit("joinChannel", Map.of("channelName", "general")));
        long after = alice.poll().position();

        CompletableFuture<TestClient.PollResult> waiting =
                CompletableFuture.supplyAsync(() -> alice.poll(after, 20_000), BLOCKING);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(3))
                .until(() -> !waiting.isDone()); // the proxy holds the long-poll open
        ok(bob.emit("sendMessage", Map.of("channel", "general", "message", "polled through the proxy")));

        TestClient.PollResult got = waiting.get(10, TimeUnit.SECONDS); // far sooner than its 20 s
        assertThat(got.http().status()).isEqualTo(200);
        assertThat(got.messages())
                .filteredOn(f -> isMessage(f, bob, "polled through the proxy"))
                .hasSize(1);
        ok(alice.emit("sendMessage", Map.of("channel", "general", "message", "polled back")));
        assertThat(bob.poll().messages())
                .filteredOn(f -> isMessage(f, alice, "polled back"))
                .hasSize(1);
    }

    @Test
    void streamFramesAndKeepalivesPassWhileTheStreamStaysOpen() {
        TestClient alice = client();
        alice.connect();
        ok(alice.emit("join", Map.of("room", ROOM)));
        alice.openStream();
        TestClient bob = client();
        bob.connect();

        ok(bob.emit("say", Map.of("room", ROOM, "n", 1)));
        assertThat(alice.awaitEvent("said").data().path("n").asInt()).isEqualTo(1);
        assertThat(alice.streamOpen())
                .as("the frame arrived while its stream is still open: the proxy did not hold it")
                .isTrue();
        int keepalives = alice.keepalives();
        await().atMost(DemoInstances.KEEPALIVE.multipliedBy(5)).until(() -> alice.keepalives() > keepalives);
        assertThat(alice.streamOpen()).isTrue();
    }

    /**
     * The guide's read timeouts (75 s) must stay above the keepalive interval (25 s); scaled down
     * here: with a 3 s timeout and a keepalive every second an idle stream stays open, and with a
     * timeout below the keepalive interval the proxy cuts it.
     */
    @Test
    void anIdleStreamLivesOnKeepalivesAndOnlyOnThem() {
        restartProxy(readTimeout("3s"));
        TestClient alice = client();
        alice.connect();
        alice.openStream();
        await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(8)).until(alice::streamOpen);
        assertThat(alice.keepalives()).isGreaterThanOrEqualTo(5);

        restartProxy(readTimeout("500ms")); // below the 1 s keepalive interval
        TestClient bob = client();
        bob.connect();
        bob.openStream();
        assertThat(bob.awaitStreamEnd(Duration.ofSeconds(5)))
                .as("cut by the proxy's timeout")
                .isTrue();
    }

    @Test
    void aClientWhoseConnectionDroppedResumesWithExactlyWhatItMissed() {
        TestClient alice = client();
        alice.connect();
        ok(alice.emit("join", Map.of("room", ROOM)));
        alice.openStream();
        TestClient bob = client();
        bob.connect();
        say(bob, 0, 1);
        alice.awaitEvents("said", 1);
        long last = alice.lastEventId();

        alice.closeStream(); // the client's connection breaks
        say(bob, 1, 21);
        alice.openStream(last); // through the proxy, wherever it sends it
        alice.awaitEvents("said", 20);
        say(bob, 21, 22);
        alice.awaitEvents("said", 1);

        assertThat(saidNumbers(alice)).containsExactlyElementsOf(range(0, 22));
    }

    @Test
    void aClientWhoseInstanceWasKilledResumesOnTheOtherWithExactlyWhatItMissed() {
        TestClient alice = client();
        alice.connect();
        ok(alice.emit("join", Map.of("room", ROOM)));
        alice.openStream();
        int holder = streamHolder();
        TestClient bob = client();
        bob.connect();
        say(bob, 0, 5);
        alice.awaitEvents("said", 5);

        instances.kill(holder); // abruptly: its connections drop
        assertThat(alice.awaitStreamEnd(Duration.ofSeconds(5))).isTrue();
        say(bob, 5, 15); // every POST succeeds: the proxy sends them to the live instance
        alice.openStream(alice.lastEventId());
        alice.awaitEvents("said", 10);

        assertThat(saidNumbers(alice)).containsExactlyElementsOf(range(0, 15));
        assertThat(bob.statuses()).containsOnly(200);
    }

    /**
     * A rolling restart as docs/deploy.md describes it: each instance in turn is stopped as SIGTERM
     * stops it, while a request is in progress on it, a client streams from it and another
     * long-polls, then started again; the next one goes once the proxy sends traffic to the
     * restarted one. Every request is answered 200, every stream ends cleanly and resumes, and both
     * clients get every message once, in order.
     */
    @Test
    void aRollingRestartAnswersEveryRequestAndLosesNothing() throws Exception {
        TestClient alice = client();
        alice.connect();
        ok(alice.emit("join", Map.of("room", ROOM)));
        TestClient bob = client();
        bob.connect();
        TestClient carol = client(); // the one whose request is in progress during a drain
        carol.connect();
        TestClient dave = client(); // on long-polling
        dave.connect();
        ok(dave.emit("join", Map.of("room", ROOM)));
        List<Integer> expected = new ArrayList<>();
        try (ResumingStream follower = new ResumingStream(proxy.base(), alice.credential());
                LongPoller poller = new LongPoller(dave)) {
            int first = streamHolder();
            int n = 0;
            for (int x : List.of(first, 1 - first)) {
                for (int i = 0; i < 5; i++, n++) {
                    say(bob, n, n + 1);
                    expected.add(n);
                }
                int slowN = n++;
                CompletableFuture<HttpResult> slow = requestInProgressOn(x, carol, slowN);

                CompletableFuture<Boolean> drained =
                        CompletableFuture.supplyAsync(() -> instances.shutdownGracefully(x, DRAIN_TIMEOUT), BLOCKING);
                int port = instances.ports().get(x);
                await().atMost(Duration.ofSeconds(5)).until(() -> !ProxyProcess.accepts(port));
                for (int i = 0; i < 5; i++, n++) {
                    say(bob, n, n + 1); // during the drain, through the proxy
                    expected.add(n);
                }
                assertThat(slow)
                        .as("the drain lets the request in progress finish")
                        .isNotDone();
                assertThat(drained).isNotDone();
                slowRelease.countDown();
                ok(slow.get(10, TimeUnit.SECONDS));
                expected.add(slowN);
                assertThat(drained.get(10, TimeUnit.SECONDS))
                        .as("drained in time")
                        .isTrue();

                instances.restart(x); // the new version, on the same address
                int handled = instances.eventsHandled(x);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            ok(bob.emit("echo", Map.of()));
                            return instances.eventsHandled(x) > handled;
                        });
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> follower.said().size() >= expected.size());
            await().atMost(Duration.ofSeconds(10))
                    .failFast(
                            "a poll failed", () -> assertThat(poller.failures()).isEmpty())
                    .until(() -> poller.said().size() >= expected.size());
            assertThat(follower.said()).containsExactlyElementsOf(expected);
            assertThat(poller.said()).containsExactlyElementsOf(expected);
            assertThat(follower.endedStreams())
                    .as("both drains ended the client's stream (%s)", follower)
                    .hasSize(2)
                    .allMatch(EventStream::endedCleanly, "ended with the last chunk");
            assertThat(follower.failures()).isEmpty();
            assertThat(poller.failures()).isEmpty();
        }
        assertThat(slowHandled).hasValue(2);
        assertThat(bob.statuses()).containsOnly(200);
        assertThat(carol.statuses()).containsOnly(200);
        assertThat(dave.statuses()).containsOnly(200);
    }

    /**
     * Long-polls held by an instance that stops gracefully are answered at once with {@code
     * __reconnect} and their own position; polled again, through the proxy, they land on the other
     * instance and get the next message as if nothing had happened. Four polls, so that round robin
     * puts some on each instance.
     */
    @Test
    void longPollsOnAStoppingInstanceAreAnsweredByTheOther() throws Exception {
        List<TestClient> pollers = new ArrayList<>();
        List<Long> positions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TestClient c = client();
            c.connect();
            ok(c.emit("join", Map.of("room", ROOM)));
            pollers.add(c);
            positions.add(c.poll().position());
        }
        List<CompletableFuture<TestClient.PollResult>> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TestClient c = pollers.get(i);
            long after = positions.get(i);
            waiting.add(CompletableFuture.supplyAsync(() -> c.poll(after, 20_000), BLOCKING));
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> waiting.stream()
                .noneMatch(CompletableFuture::isDone));

        assertThat(instances.shutdownGracefully(0, DRAIN_TIMEOUT)).isTrue();
        TestClient bob = client();
        bob.connect();
        say(bob, 7, 8);

        for (int i = 0; i < waiting.size(); i++) {
            TestClient.PollResult r = waiting.get(i).get(10, TimeUnit.SECONDS);
            assertThat(r.http().status()).as("%s", r.http()).isEqualTo(200);
            if (r.events().equals(List.of("__reconnect"))) {
                // Held by the stopping instance: answered at once, with the poll's own position;
                // polled again, it lands on the other instance.
                assertThat(r.position()).isEqualTo(positions.get(i));
                r = pollers.get(i).poll(r.position(), 5_000);
            }
            assertThat(r.messages()).extracting(f -> f.data().path("n").asInt()).containsExactly(7);
        }
    }

    @Test
    void theCredentialStaysOutOfTheProxysLogs() {
        TestClient alice = client();
        alice.connect();
        alice.openStream(); // GET /socket/sse?sessionId=<credential>
        ok(alice.poll().http()); // GET /socket/sse?sessionId=<credential>&transport=polling
        alice.closeStream();
        String secret = alice.credential().substring(alice.credential().indexOf('.') + 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.logs().contains("/socket/sse"));
        assertThat(proxy.logs()).doesNotContain(secret);
    }

    @Test
    void aForgedForwardedForDoesNotReachTheInstances() {
        HttpResult r = client().rawPost(
                        "/connect",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        Map.of("Content-Type", "application/json", "X-Forwarded-For", "203.0.113.9"));

        ok(r);
        assertThat(clientAddresses).containsExactly("127.0.0.1");
    }

    // ----------------------------------------------------------------------------------- helpers

    DemoInstances instances() {
        return instances;
    }

    private void restartProxy(Map<String, String> changes) {
        proxy.close();
        proxy = null;
        proxy = startProxy(instances.ports(), changes);
    }

    ProxyProcess proxy() {
        return proxy;
    }

    TestClient client() {
        return new TestClient(proxy.base());
    }

    void ok(HttpResult r) {
        assertThat(r.status()).as("%s%nproxy logs:%n%s", r, proxy.logs()).isEqualTo(200);
    }

    /** Bob says {@code from} … {@code to - 1} in the room, each answered 200. */
    private void say(TestClient client, int from, int to) {
        for (int n = from; n < to; n++) {
            ok(client.emit("say", Map.of("room", ROOM, "n", n)));
        }
    }

    /** The one instance holding an open stream (there must be exactly one). */
    private int streamHolder() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> instances.withStreams().size() == 1);
        return instances.withStreams().get(0);
    }

    /**
     * Sends {@code slowSay} through the proxy until one is in progress on instance {@code x} (where
     * the proxy's round robin sends it is not ours to choose); returns its pending answer.
     */
    private CompletableFuture<HttpResult> requestInProgressOn(int x, TestClient client, int n) {
        slowRelease = new CountDownLatch(1);
        slowOn = x;
        for (int attempt = 0; attempt < 10; attempt++) {
            slowStarted.clear();
            CompletableFuture<HttpResult> slow =
                    CompletableFuture.supplyAsync(() -> client.emit("slowSay", Map.of("room", ROOM, "n", n)), BLOCKING);
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.isDone() || slowStarted.contains(x));
            if (!slow.isDone()) {
                return slow;
            }
            ok(slow.join()); // ran on the other instance, which does nothing with it: again
        }
        throw new AssertionError("the proxy never sent slowSay to instance " + x);
    }

    private static boolean isMessage(ReceivedFrame f, TestClient from, String text) {
        return f.event().equals("newMessage")
                && f.data().path("from").asText().equals(from.id())
                && f.data().path("text").asText().equals(text);
    }

    private static List<Integer> saidNumbers(TestClient client) {
        return client.frames().history().stream()
                .filter(f -> f.event().equals("said"))
                .map(f -> f.data().path("n").asInt())
                .toList();
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }
}
