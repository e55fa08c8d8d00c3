package io.socketserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.ServerOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Node client suite's scenarios, against a real embedded server. */
class SocketClientTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private TestServer server;
    private final List<SocketClient> clients = new ArrayList<>();

    private TestServer start(Consumer<ServerOptions.Builder> options) {
        server = new TestServer(options);
        return server;
    }

    private TestServer start() {
        return start(o -> {});
    }

    private SocketClient client(URI base, ClientOptions.Builder options) {
        SocketClient c = SocketClient.connect(
                base, options.reconnectDelay(Duration.ofMillis(50)).build());
        clients.add(c);
        return c;
    }

    private SocketClient connected(URI base, ClientOptions.Builder options) {
        SocketClient c = client(base, options);
        await().atMost(WAIT).until(c::connected);
        return c;
    }

    private SocketClient connected() {
        return connected(server.base(), ClientOptions.builder());
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private static void join(SocketClient c, String channel) throws Exception {
        get(c.emitWithAck("joinChannel", Map.of("channelName", channel)));
    }

    @AfterEach
    void stop() {
        clients.forEach(SocketClient::disconnect);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void connectsWithAPublicIdAndGetsAcksInTheResponse() throws Exception {
        start();
        List<String> states = new CopyOnWriteArrayList<>();
        SocketClient c = client(server.base(), ClientOptions.builder());
        c.onState(new ConnectionStateListener() {
            @Override
            public void connected(String id, boolean resumed) {
                states.add("connected:" + resumed);
            }
        });
        await().atMost(WAIT).until(c::connected);
        assertThat(c.id()).hasSize(16).doesNotContain(".");
        assertThat(c.transport()).isEqualTo(Transport.SSE);
        JsonNode reply = get(c.emitWithAck("echo", Map.of("hello", "world")));
        assertThat(reply.path("hello").asText()).isEqualTo("world");
        record Greeting(String hello) {}
        assertThat(get(c.emitWithAck("echo", Map.of("hello", "typed"), Greeting.class)))
                .isEqualTo(new Greeting("typed"));
        assertThat(get(c.emitWithAck("echo", 7, Integer.class, Duration.ofSeconds(3))))
                .isEqualTo(7);
        await().atMost(WAIT).until(() -> states.contains("connected:false"));
        assertThat(get(c.ping())).isPositive();
    }

    @Test
    void aHandlerFailureFailsTheAck() {
        start();
        SocketClient c = connected();
        assertThatThrownBy(() -> get(c.emitWithAck("fail", 1)))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(SocketClientException.class)
                .satisfies(e -> assertThat(((SocketClientException) e).code()).isEqualTo("internal_error"));
    }

    @Test
    void answersServerAcks() {
        start();
        SocketClient c = connected();
        c.on("question", (data, ack) -> {
            assertThat(ack.requested()).isTrue();
            ack.send(Map.of("answer", data.path("q").asInt() * 2));
            ack.send("ignored: only the first answer counts");
        });
        c.emit("askMe", Map.of("q", 21));
        await().atMost(WAIT).until(() -> server.answers.size() == 1);
        assertThat(server.answers.get(0).path("answer").asInt()).isEqualTo(42);
    }

    @Test
    void roomChatBetweenTwoClients() throws Exception {
        start();
        SocketClient a = connected();
        SocketClient b = connected();
        join(a, "general");
        join(b, "general");
        List<JsonNode> got = new CopyOnWriteArrayList<>();
        b.on("newMessage", (data, ack) -> got.add(data));
        a.emit("sendMessage", Map.of("channel", "general", "message", "hi"));
        await().atMost(WAIT).until(() -> got.size() == 1);
        assertThat(got.get(0).path("from").asText()).isEqualTo(a.id());
        assertThat(got.get(0).path("text").asText()).isEqualTo("hi");

        b.emit("leaveChannel", Map.of("channelName", "general"));
        get(b.emitWithAck("echo", "sync")); // the leave ran (emits are handled in order)
        a.emit("sendMessage", Map.of("channel", "general", "message", "gone"));
        get(a.emitWithAck("echo", "sync"));
        join(b, "other");
        assertThat(got).hasSize(1);
    }

    @Test
    void resumesAfterCutStreamsWithNothingLostOrDuplicated() throws Exception {
        start();
        List<String> states = new CopyOnWriteArrayList<>();
        SocketClient listener = connected(server.proxied(), ClientOptions.builder());
        listener.onState(new ConnectionStateListener() {
            @Override
            public void connected(String id, boolean resumed) {
                states.add("connected:" + resumed);
            }

            @Override
            public void reconnecting(int attempt, Duration delay) {
                states.add("reconnecting");
            }
        });
        String id = listener.id();
        join(listener, "r");
        List<Integer> got = new CopyOnWriteArrayList<>();
        listener.on("n", (data, ack) -> got.add(data.path("i").asInt()));
        SocketClient talker = connected();
        int count = 300;
        CompletableFuture<JsonNode> burst = talker.emitWithAck(
                        "burst", Map.of("room", "channel:r", "count", count), Duration.ofSeconds(30))
                .toCompletableFuture();
        for (int cut = 0; cut < 3; cut++) {
            int before = got.size();
            await().atMost(WAIT).until(() -> got.size() > before || burst.isDone());
            server.proxy.cutAll();
        }
        burst.get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> got.size() >= count);
        assertThat(got)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, count).boxed().toList());
        assertThat(listener.id()).isEqualTo(id);
        assertThat(states).contains("reconnecting", "connected:true");
    }

    @Test
    void queuesEmitsWhileOfflineUpToMaxQueueAndSendsThemInOrder() throws Exception {
        start();
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        server.proxy.retarget(deadPort); // the server is unreachable through the forwarder
        SocketClient c = client(server.proxied(), ClientOptions.builder().maxQueue(3));
        for (int i = 1; i <= 3; i++) {
            c.emit("record", Map.of("tag", "offline", "i", i));
        }
        assertThatThrownBy(() -> c.emit("record", Map.of("tag", "offline", "i", 4)))
                .isInstanceOf(SocketClientException.class)
                .hasMessageContaining("maxQueue")
                .satisfies(e -> assertThat(((SocketClientException) e).code()).isEqualTo("queue_full"));
        server.proxy.retarget(server.http.port());
        await().atMost(WAIT).until(c::connected);
        for (int i = 4; i <= 60; i++) {
            c.emit("record", Map.of("tag", "offline", "i", i));
        }
        await().atMost(WAIT)
                .until(() -> server.recorded.getOrDefault("offline", List.of()).size() == 60);
        assertThat(server.recorded.get("offline"))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 60).boxed().toList());
    }

    @Test
    void namespaces() throws Exception {
        start();
        server.server.of("/chat").on("whereAmI", (socket, data, ack) -> ack.send(socket.namespace()));
        SocketClient c = connected(server.base(), ClientOptions.builder().namespace("/chat"));
        assertThat(get(c.emitWithAck("whereAmI", null)).asText()).isEqualTo("/chat");
        SocketClient root = connected();
        assertThat(get(root.emitWithAck("echo", "root")).asText()).isEqualTo("root");
    }

    @Test
    void binaryPayloadsTravelBothWays() throws Exception {
        start();
        SocketClient a = connected();
        SocketClient b = connected();
        join(a, "bin");
        join(b, "bin");
        byte[] bytes = new byte[1000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        assertThat(get(a.emitWithAck("echo", bytes, byte[].class))).isEqualTo(bytes);
        JsonNode nested = get(a.emitWithAck("echo", Map.of("name", "x", "image", bytes)));
        assertThat(nested.get("image").isBinary()).isTrue();
        assertThat(nested.get("image").binaryValue()).isEqualTo(bytes);

        server.server.on("shareBytes", (socket, data, ack) -> socket.broadcastToRoom("channel:bin", "bytes", data));
        List<byte[]> got = new CopyOnWriteArrayList<>();
        b.on("bytes", (data, ack) -> got.add(data.get("payload").binaryValue()));
        a.emit("shareBytes", Map.of("payload", bytes));
        await().atMost(WAIT).until(() -> got.size() == 1);
        assertThat(got.get(0)).isEqualTo(bytes);
    }

    @Test
    void presenceOneEntryPerUserWithJoinUpdateAndLeaveEvents() throws Exception {
        start();
        server.server.on("trackIn", (socket, data, ack) -> {
            String room = data.path("room").asText();
            socket.track(room, data.path("user").asText(), Map.of("status", "online"));
            ack.send(server.server.presence(room));
        });
        server.server.on("setStatus", (socket, data, ack) -> {
            socket.updatePresence(
                    data.path("room").asText(),
                    Map.of("status", data.path("status").asText()));
            ack.send(true);
        });
        server.server.on(
                "leaveRoom",
                (socket, data, ack) -> socket.leave(data.path("room").asText()));
        SocketClient watcher = connected();
        SocketClient ann1 = connected();
        SocketClient ann2 = connected();
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        watcher.on("presence", (data, ack) -> events.add(data));
        get(watcher.emitWithAck("trackIn", Map.of("room", "lobby", "user", "watcher")));

        JsonNode list = get(ann1.emitWithAck("trackIn", Map.of("room", "lobby", "user", "ann")));
        List<String> users = new ArrayList<>();
        list.forEach(p -> users.add(p.path("userId").asText()));
        assertThat(users).containsExactlyInAnyOrder("ann", "watcher");
        get(ann2.emitWithAck("trackIn", Map.of("room", "lobby", "user", "ann"))); // a second tab
        get(ann2.emitWithAck("setStatus", Map.of("room", "lobby", "status", "away")));
        await().atMost(WAIT).until(() -> events.stream()
                .anyMatch(e -> e.path("type").asText().equals("update")));
        assertThat(events.stream()
                        .filter(e -> e.path("type").asText().equals("join")
                                && e.path("user").asText().equals("ann")))
                .as("two sessions of one user join once")
                .hasSize(1);
        assertThat(events.stream()
                        .filter(e -> e.path("type").asText().equals("update"))
                        .findFirst()
                        .orElseThrow()
                        .path("state")
                        .path("status")
                        .asText())
                .isEqualTo("away");

        ann1.disconnect();
        get(ann2.emitWithAck("echo", "sync"));
        get(watcher.emitWithAck("echo", "sync"));
        assertThat(events).noneMatch(e -> e.path("type").asText().equals("leave"));
        ann2.emit("leaveRoom", Map.of("room", "lobby"));
        await().atMost(WAIT).until(() -> events.stream()
                .anyMatch(e -> e.path("type").asText().equals("leave")
                        && e.path("user").asText().equals("ann")));
    }

    @Test
    void rateLimitedEmitsAreRetriedAfterRetryAfterAndRunOnceInOrder() {
        start(o -> o.eventRateLimit(20, 5));
        SocketClient c = connected();
        for (int i = 1; i <= 30; i++) {
            c.emit("record", Map.of("tag", "limited", "i", i));
        }
        await().atMost(WAIT)
                .until(() -> server.recorded.getOrDefault("limited", List.of()).size() == 30);
        assertThat(server.recorded.get("limited"))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
    }

    @Test
    void reportsMissedMessagesOutsideTheRecoveryWindow() throws Exception {
        start(o -> o.recoveryMaxMessages(5));
        List<long[]> missed = new CopyOnWriteArrayList<>();
        SocketClient listener = connected(server.proxied(), ClientOptions.builder());
        listener.onState(new ConnectionStateListener() {
            @Override
            public void missed(long after, long oldest) {
                missed.add(new long[] {after, oldest});
            }
        });
        join(listener, "m");
        List<Integer> got = new CopyOnWriteArrayList<>();
        listener.on("n", (data, ack) -> got.add(data.path("i").asInt()));
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        server.proxy.retarget(deadPort);
        await().atMost(WAIT).until(() -> !listener.connected());
        SocketClient talker = connected();
        get(talker.emitWithAck("burst", Map.of("room", "channel:m", "count", 20)));
        server.proxy.retarget(server.http.port());
        await().atMost(WAIT).until(() -> missed.size() == 1);
        assertThat(missed.get(0)[1]).isGreaterThan(missed.get(0)[0]);
        await().atMost(WAIT).until(() -> got.contains(20));
        assertThat(got).doesNotHaveDuplicates().isSorted().doesNotContain(1);
    }

    @Test
    void exactlyOnceWhenAnswersAreLost() {
        start(o -> o.eventRateLimit(0, 1));
        DroppingHttpClient dropping = new DroppingHttpClient(
                java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1)
                        .build(),
                0.1);
        SocketClient c = connected(server.base(), ClientOptions.builder().httpClient(dropping));
        int count = 200;
        List<CompletableFuture<Integer>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (i % 2 == 0) {
                acks.add(c.emitWithAck("countRun", Map.of("tag", "eo", "i", i), Integer.class)
                        .toCompletableFuture());
            } else {
                c.emit("countRun", Map.of("tag", "eo", "i", i));
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.runs.size() == count);
        await().atMost(WAIT).until(() -> acks.stream().allMatch(CompletableFuture::isDone));
        assertThat(server.runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        for (int i = 0; i < acks.size(); i++) {
            assertThat(acks.get(i).join()).isEqualTo(i * 2);
        }
        assertThat(dropping.dropped.get()).isPositive();
    }

    @Test
    void disconnectFailsPendingAcksAndTheServerForgetsTheSession() throws Exception {
        start();
        List<String> reasons = new CopyOnWriteArrayList<>();
        SocketClient c = connected();
        c.onState(new ConnectionStateListener() {
            @Override
            public void disconnected(String reason) {
                reasons.add(reason);
            }
        });
        String id = c.id();
        c.disconnect();
        await().atMost(WAIT).until(() -> reasons.equals(List.of(SocketClient.CLIENT_DISCONNECT)));
        assertThat(c.connected()).isFalse();
        assertThatThrownBy(() -> c.emit("echo", 1)).hasMessageContaining("disconnected");
        await().atMost(WAIT).until(() -> server.server.socket(id).isEmpty());
    }

    @Test
    void anUnknownSessionOnResumeStartsANewSessionAndResendsTheQueue() throws Exception {
        start();
        List<String> reasons = new CopyOnWriteArrayList<>();
        SocketClient c = connected(server.proxied(), ClientOptions.builder());
        c.onState(new ConnectionStateListener() {
            @Override
            public void disconnected(String reason) {
                reasons.add(reason);
            }
        });
        String first = c.id();
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        server.proxy.retarget(deadPort);
        await().atMost(WAIT).until(() -> !c.connected());
        server.server.socket(first).orElseThrow().disconnect(); // the server forgets it meanwhile
        c.emit("record", Map.of("tag", "after-loss", "i", 1));
        c.emit("record", Map.of("tag", "after-loss", "i", 2));
        server.proxy.retarget(server.http.port());
        await().atMost(WAIT).until(() -> c.connected() && !c.id().equals(first));
        assertThat(reasons).contains("unknown_session");
        await().atMost(WAIT)
                .until(() ->
                        server.recorded.getOrDefault("after-loss", List.of()).size() == 2);
        assertThat(server.recorded.get("after-loss")).containsExactly(1, 2);
    }

    @Test
    void pollingTransport() throws Exception {
        start();
        SocketClient a = connected(
                server.base(),
                ClientOptions.builder().transport(Transport.POLLING).pollWait(Duration.ofSeconds(2)));
        assertThat(a.transport()).isEqualTo(Transport.POLLING);
        SocketClient b = connected();
        join(a, "p");
        List<Integer> got = new CopyOnWriteArrayList<>();
        a.on("n", (data, ack) -> got.add(data.path("i").asInt()));
        get(b.emitWithAck("burst", Map.of("room", "channel:p", "count", 50)));
        await().atMost(WAIT).until(() -> got.size() == 50);
        assertThat(got)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 50).boxed().toList());
        assertThat(get(a.emitWithAck("echo", "polled")).asText()).isEqualTo("polled");
    }

    @Test
    void fallsBackToPollingWhenTheEventStreamFailsToOpenTwice() throws Exception {
        start();
        DroppingHttpClient noStreams = new DroppingHttpClient(
                java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1)
                        .build(),
                0);
        noStreams.failStreams = true;
        SocketClient a = connected(
                server.base(), ClientOptions.builder().httpClient(noStreams).pollWait(Duration.ofSeconds(2)));
        assertThat(a.transport()).isEqualTo(Transport.POLLING);
        join(a, "fallback");
        List<Integer> got = new CopyOnWriteArrayList<>();
        a.on("n", (data, ack) -> got.add(data.path("i").asInt()));
        SocketClient b = connected();
        get(b.emitWithAck("burst", Map.of("room", "channel:fallback", "count", 20)));
        await().atMost(WAIT).until(() -> got.size() == 20);
        assertThat(got)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());
    }

    @Test
    void detectsAStreamThatNeverDeliversAndFallsBackToPolling() throws Exception {
        start();
        DroppingHttpClient buffering = new DroppingHttpClient(
                java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1)
                        .build(),
                0);
        buffering.bufferStreams = true;
        SocketClient a = connected(
                server.base(),
                ClientOptions.builder()
                        .httpClient(buffering)
                        .openTimeout(Duration.ofMillis(300))
                        .pollWait(Duration.ofSeconds(2)));
        assertThat(a.transport()).isEqualTo(Transport.POLLING);
        join(a, "buffered");
        List<Integer> got = new CopyOnWriteArrayList<>();
        a.on("n", (data, ack) -> got.add(data.path("i").asInt()));
        SocketClient b = connected();
        get(b.emitWithAck("burst", Map.of("room", "channel:buffered", "count", 10)));
        await().atMost(WAIT).until(() -> got.size() == 10);
        assertThat(got)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
    }

    @Test
    void theCredentialNeverReachesTheLog() throws Exception {
        start();
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.socketserve.client");
        List<ch.qos.logback.classic.spi.ILoggingEvent> events = new CopyOnWriteArrayList<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.AppenderBase<>() {
                    @Override
                    protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
                        events.add(event);
                    }
                };
        appender.start();
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        logger.addAppender(appender);
        try {
            SocketClient c = connected(server.proxied(), ClientOptions.builder());
            join(c, "logs");
            server.proxy.cutAll();
            await().atMost(WAIT).until(() -> events.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("resuming")));
            await().atMost(WAIT).until(c::connected);
            c.emit("fail", 1); // refused: logged at WARN
            await().atMost(WAIT).until(() -> events.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("HTTP 500")));
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
        java.util.regex.Pattern credential = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{43}");
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(
                        credential.matcher(e.getFormattedMessage()).find())
                .as(e.getFormattedMessage())
                .isFalse());
    }
}
