package io.socketserve.demo.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.demo.DemoServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, finding 8: a graceful shutdown with 1,000 open event streams and requests in flight.
 * Every stream gets the final {@code __reconnect} frame and then the last chunk (no bare close);
 * every request in progress — a handler that blocks until released, a waiting long-poll — gets an
 * HTTP answer; a request that arrives during the drain gets {@code 503} with {@code Retry-After};
 * new connections are refused. Once in-process ({@code shutdownGracefully}) and once as SIGTERM to
 * a child-process demo server (its JVM shutdown hook). The shutdown time is measured and printed;
 * only a generous bound is asserted.
 */
class ShutdownUnderLoadIT {

    private static final int STREAMS = Integer.getInteger("shutdown.streams", 1_000);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ExecutorService BLOCKING = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "shutdown-test");
        t.setDaemon(true);
        return t;
    });

    private final List<EventStream> streams = new ArrayList<>();
    private DemoServer.Running demo;
    private Process child;

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        if (demo != null) {
            demo.close();
        }
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    @Timeout(60)
    void inProcessDrainOf1000StreamsAnswersEverything() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger slowStarted = new AtomicInteger();
        demo = DemoServer.start(
                ServerOptions.builder()
                        .allowedOrigins(List.of("*"))
                        .connectionRateLimit(0, 1)
                        .maxSessions(10_000)
                        .build(),
                "127.0.0.1",
                0);
        demo.server().on("slow", (socket, data, ack) -> {
            slowStarted.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
        });
        URI base = URI.create("http://127.0.0.1:" + demo.port() + "/socket");
        openStreams(base);
        await().atMost(Duration.ofSeconds(20)).until(() -> demo.http().openStreams() == STREAMS);

        // In flight: a handler that blocks until released, with a request pipelined behind it on
        // the same connection (it arrives, in effect, during the drain), and a waiting long-poll.
        String alice = connect(base, 0);
        RawExchange slow = RawExchange.start(
                demo.port(),
                post("/socket/message", alice, "{\"event\":\"slow\",\"data\":{}}")
                        + post("/socket/message", alice, "{\"event\":\"ping\",\"data\":{}}"));
        RawExchange longPoll = longPoll(base);
        await().until(() -> slowStarted.get() == 1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> !longPoll.answered());

        System.out.printf("%d streams open%n", STREAMS);
        long started = System.nanoTime();
        CompletableFuture<Boolean> shutdown =
                CompletableFuture.supplyAsync(() -> demo.shutdownGracefully(Duration.ofSeconds(10)), BLOCKING);
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProxyProcess.accepts(demo.port()));
        for (EventStream s : streams) {
            assertThat(s.awaitEnd(Duration.ofSeconds(10)))
                    .as(
                            "stream ended; frames %s; open streams on the server %d",
                            s.frames(), demo.http().openStreams())
                    .isTrue();
        }
        long streamsEndedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        List<RawExchange.Answer> polled = longPoll.answers(Duration.ofSeconds(10));
        release.countDown(); // the handler in progress finishes during the drain
        assertThat(shutdown.get(10, TimeUnit.SECONDS)).as("drained in time").isTrue();
        long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf(
                "in-process graceful shutdown: %d streams ended in %d ms, whole shutdown %d ms%n",
                STREAMS, streamsEndedMillis, totalMillis);

        assertStreamsGotTheFinalFrame();
        assertLongPollGotTheFinalFrame(polled);
        List<RawExchange.Answer> answers = slow.answers(Duration.ofSeconds(10));
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0).status()).as("the request in progress").isEqualTo(200);
        assertThat(answers.get(1).status())
                .as("the request that arrived during the drain")
                .isEqualTo(503);
        assertThat(answers.get(1).headers()).containsEntry("retry-after", "1").containsEntry("connection", "close");
        assertThat(MAPPER.readTree(answers.get(1).body()).path("error").asText())
                .isEqualTo("unavailable");
        assertThat(slow.endedByServer()).isTrue();
        assertThat(totalMillis).as("generous bound").isLessThan(10_000);
    }

    @Test
    @Timeout(90)
    void sigtermToADemoProcessDrains1000Streams() throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("demo-sigterm", ".log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        DemoServer.class.getName(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--drain-millis",
                        "2000")
                .redirectErrorStream(true)
                // A file, not a pipe: when the process exits the JDK closes the pipe under a reader,
                // and what the shutdown hook printed last would be lost.
                .redirectOutput(log.toFile());
        pb.environment().remove("REDIS_URL");
        child = pb.start();
        await().atMost(Duration.ofSeconds(30))
                .failFast("the demo exited", () -> !child.isAlive())
                .until(() -> ProxyProcess.accepts(port));
        URI base = URI.create("http://127.0.0.1:" + port + "/socket");
        openStreams(base);
        RawExchange longPoll = longPoll(base);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> !longPoll.answered());

        long started = System.nanoTime();
        child.destroy(); // SIGTERM
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        for (EventStream s : streams) {
            assertThat(s.awaitEnd(Duration.ofSeconds(5))).isTrue();
        }
        String output = Files.readString(log);
        Matcher m = Pattern.compile("stopped in (\\d+) ms").matcher(output);
        assertThat(m.find())
                .as("the shutdown hook reported (exit %d after %d ms):%n%s", child.exitValue(), exitMillis, output)
                .isTrue();
        System.out.printf(
                "SIGTERM: %d streams; the shutdown hook took %s ms; SIGTERM to process exit %d ms%n",
                STREAMS, m.group(1), exitMillis);

        assertStreamsGotTheFinalFrame();
        assertLongPollGotTheFinalFrame(longPoll.answers(Duration.ofSeconds(10)));
        assertThat(exitMillis).as("generous bound").isLessThan(10_000);
    }

    private void openStreams(URI base) throws Exception {
        List<CompletableFuture<EventStream>> opening = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int i = 0; i < STREAMS; i++) {
                int n = i;
                opening.add(CompletableFuture.supplyAsync(() -> EventStream.open(base, connect(base, n), -1), pool));
            }
            for (CompletableFuture<EventStream> f : opening) {
                streams.add(f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdown();
        }
        // One wait for all (each Awaitility wait costs at least its poll delay).
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.stream()
                .noneMatch(s -> s.frames("connected").isEmpty()));
    }

    /** A long-poll (wait 20 s) of a new session, after the position its connect answered. */
    private static RawExchange longPoll(URI base) throws IOException {
        String[] session = connectWithPosition(base, 1);
        return RawExchange.start(
                base.getPort(),
                "GET " + base.getPath() + "/sse?transport=polling&wait=20000&after=" + session[1]
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Socket-Serve-Session: " + session[0] + "\r\n\r\n");
    }

    private static void assertLongPollGotTheFinalFrame(List<RawExchange.Answer> answers) throws IOException {
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).status()).isEqualTo(200);
        JsonNode body = MAPPER.readTree(answers.get(0).body());
        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.path("messages").get(0).path("event").asText()).isEqualTo("__reconnect");
    }

    private void assertStreamsGotTheFinalFrame() {
        int clean = 0;
        for (EventStream s : streams) {
            List<EventStream.Frame> frames = s.frames();
            assertThat(frames).isNotEmpty();
            EventStream.Frame last = frames.get(frames.size() - 1);
            assertThat(last.event()).as("the last frame before EOF").isEqualTo("__reconnect");
            assertThat(last.data().path("reason").asText()).isEqualTo("server shutting down");
            if (s.endedCleanly()) {
                clean++;
            }
        }
        assertThat(clean).as("streams ended with the last chunk").isEqualTo(STREAMS);
    }

    private static String post(String path, String credential, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "X-Socket-Serve-Session: " + credential + "\r\nContent-Length: " + body.length + "\r\n\r\n" + json;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Requests written at once on one raw keep-alive connection, and the answers read back. */
    static final class RawExchange {
        record Answer(int status, Map<String, String> headers, String body) {}

        private final Socket socket;
        private final CompletableFuture<List<Answer>> answers = new CompletableFuture<>();
        private volatile boolean endedByServer;

        private RawExchange(Socket socket) {
            this.socket = socket;
        }

        static RawExchange start(int port, String requests) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(30_000);
            RawExchange x = new RawExchange(socket);
            OutputStream out = socket.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.UTF_8));
            out.flush();
            BLOCKING.execute(x::read);
            return x;
        }

        private void read() {
            List<Answer> list = new ArrayList<>();
            try (socket;
                    InputStream in = new BufferedInputStream(socket.getInputStream())) {
                while (true) {
                    String status = line(in);
                    if (status == null) {
                        endedByServer = true;
                        break;
                    }
                    Map<String, String> headers = new java.util.HashMap<>();
                    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                        int colon = h.indexOf(':');
                        headers.put(
                                h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                h.substring(colon + 1).trim());
                    }
                    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    list.add(new Answer(Integer.parseInt(status.split(" ")[1]), headers, body));
                }
                answers.complete(list);
            } catch (IOException e) {
                answers.completeExceptionally(e); // a reset: what must not happen
            }
        }

        List<Answer> answers(Duration timeout) throws Exception {
            return answers.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        boolean answered() {
            return answers.isDone();
        }

        boolean endedByServer() {
            return endedByServer;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * {@code POST /connect} from loopback address 127.0.0.(2 + i % 40): the demo's per-address
     * connection rate limit (50/s, burst 100) stays out of the way of 1,000 sessions.
     */
    private static String connect(URI base, int i) {
        return connectWithPosition(base, i)[0];
    }

    /** The credential and the position of a new session. */
    private static String[] connectWithPosition(URI base, int i) {
        try (Socket socket = new Socket()) {
            socket.bind(
                    new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i % 40)}), 0));
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + base.getPath() + "/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                            + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 200");
            JsonNode body = MAPPER.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            return new String[] {
                body.path("sessionId").asText(), body.path("position").asText()
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
