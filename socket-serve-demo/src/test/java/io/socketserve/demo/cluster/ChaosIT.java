package io.socketserve.demo.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's chaos suite: three instances on one real Redis, and a seeded random schedule of faults
 * for {@code chaos.seconds} (default 60): an instance killed abruptly and started again, an instance
 * drained (what SIGTERM does) and started again, {@code CLIENT PAUSE}, Redis stopped with SIGSTOP and
 * continued with SIGCONT. Clients add their own faults: talkers lose a twentieth of the answers to
 * their POSTs (as a proxy dropping responses would), listeners cut their streams now and then.
 *
 * <p>Talkers send numbered messages with our client's retry logic: the same {@code seq} until an
 * answer arrives, on a random instance each time. Listeners resume on a random instance with {@code
 * Last-Event-ID}. At the end every listener must have every message of its room exactly once, in
 * each talker's order, with strictly increasing positions, and no {@code __missed}. Every handler
 * ran exactly once per message, except a message whose POST was cut by the kill of the instance
 * running it (its claim's lease runs out and the retry runs it again), which may have run twice.
 *
 * <p>On failure the seed and the timeline of faults are in the assertion message; rerun with {@code
 * -Dchaos.seed=<seed>}.
 */
// The longest suites run on the first JDK of CI only (test.sh: -DexcludedGroups=first-jdk-only on
// Temurin 25), which keeps CI under 40 minutes on the 2-core machine.
@Tag("first-jdk-only")
class ChaosIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int INSTANCES = 3;
    private static final List<String> ROOMS = List.of("r0", "r1", "r2");
    private static final int TALKERS_PER_ROOM = 2;
    private static final int LISTENERS_PER_ROOM = 2;

    private final long seed = Long.getLong("chaos.seed", System.nanoTime());
    private final Duration duration = Duration.ofSeconds(Long.getLong("chaos.seconds", 60));
    private final Random random = new Random(seed);
    private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private final long startNanos = System.nanoTime();

    private RedisServerProcess redis;
    private final int[] ports = new int[INSTANCES];
    private final Instance[] instances = new Instance[INSTANCES];
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    /** (talker, n) → how many times the handler ran: the handler's side effect. */
    private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean talkersStop = new AtomicBoolean();
    private int faults;

    private record Instance(SocketServer server, EmbeddedServer httpServer) {}

    private void note(String what) {
        timeline.add(String.format("%6.2fs %s", (System.nanoTime() - startNanos) / 1e9, what));
    }

    /**
     * Starts instance {@code i} on its port, as a supervisor would: again until it comes up (its
     * backend check can take longer than the backend timeout on a loaded machine).
     */
    private void startInstance(int i) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                tryStartInstance(i);
                return;
            } catch (RuntimeException e) {
                last = e;
                note("instance " + i + " failed to start: " + e.getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
        throw last;
    }

    private synchronized void tryStartInstance(int i) {
        ServerOptions options = ServerOptions.builder()
                .backend(new RedisBackend(RedisBackendOptions.builder()
                        .uri(redis.uri())
                        .commandTimeout(Duration.ofMillis(800))
                        .build()))
                .backendTimeout(Duration.ofSeconds(2))
                .sessionTimeout(Duration.ofSeconds(60))
                .keepaliveInterval(Duration.ofMillis(500))
                .eventRateLimit(0, 1)
                .connectionRateLimit(0, 1)
                .build();
        SocketServer server = SocketServer.create(options);
        server.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        server.on("say", (socket, data, ack) -> {
            RUNS.computeIfAbsent(
                            data.path("talker").asText() + "#" + data.path("n").asInt(), k -> new AtomicInteger())
                    .incrementAndGet();
            socket.broadcastToRoom(
                    data.path("room").asText(),
                    "said",
                    Map.of(
                            "talker",
                            data.path("talker").asText(),
                            "n",
                            data.path("n").asInt()));
        });
        EmbeddedServer e;
        try {
            e = EmbeddedServer.builder(server)
                    .host("127.0.0.1")
                    .port(ports[i])
                    .warmUp(0)
                    .start();
        } catch (RuntimeException failed) {
            server.close();
            throw failed;
        }
        ports[i] = e.port();
        instances[i] = new Instance(server, e);
    }

    private synchronized void killInstance(int i) {
        Instance in = instances[i];
        if (in != null) {
            instances[i] = null;
            in.httpServer().halt(); // a crash: connections cut, nothing drained
            in.server().close();
        }
    }

    private synchronized void drainInstance(int i) {
        Instance in = instances[i];
        if (in != null) {
            instances[i] = null;
            in.httpServer().drain(Duration.ofSeconds(2));
            in.httpServer().close();
            in.server().close();
        }
    }

    private URI base(int i) {
        return URI.create("http://127.0.0.1:" + ports[i] + "/socket");
    }

    private int anyInstance(Random r) {
        return r.nextInt(INSTANCES);
    }

    @AfterEach
    void stop() {
        stopping.set(true);
        for (int i = 0; i < INSTANCES; i++) {
            killInstance(i);
        }
        if (redis != null) {
            redis.thaw();
            redis.close();
        }
    }

    // ------------------------------------------------------------------------------------ clients

    /** POSTs with the retry logic of our client: the same body (and seq) until answered 200. */
    private @Nullable JsonNode post(Random r, String path, String body, @Nullable Set<Integer> cutBy, double dropRate)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            int i = anyInstance(r);
            HttpRequest req = HttpRequest.newBuilder(URI.create(base(i) + path))
                    .timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            try {
                HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() == 200) {
                    if (dropRate > 0 && r.nextDouble() < dropRate) {
                        continue; // the answer is "lost": retry as the client would
                    }
                    return JSON.readTree(res.body());
                }
                if (res.statusCode() == 404 || res.statusCode() == 400 || res.statusCode() == 403) {
                    throw new AssertionError(path + " answered " + res.statusCode() + ": " + res.body());
                }
            } catch (IOException e) {
                if (cutBy != null) {
                    cutBy.add(i); // the connection broke: the instance may have died with it
                }
            }
            Thread.sleep(50 + r.nextInt(100));
        }
        throw new AssertionError(path + " got no answer in 60 s");
    }

    private String connect(Random r) throws InterruptedException {
        JsonNode body = post(r, "/connect", "{}", null, 0);
        return body.get("sessionId").asText();
    }

    private final class Talker implements Runnable {
        final String name;
        final String room;
        final Random r;
        final AtomicInteger sent = new AtomicInteger();
        /** Messages whose POST was cut by an instance kill: their handler may have run twice. */
        final Set<Integer> mayRunTwice = ConcurrentHashMap.newKeySet();

        String credential;
        volatile @Nullable Throwable failure;

        Talker(String name, String room, long seed) {
            this.name = name;
            this.room = room;
            this.r = new Random(seed);
        }

        @Override
        public void run() {
            try {
                long seq = 0;
                for (int n = 0; !talkersStop.get(); n++) {
                    seq++;
                    Set<Integer> cut = ConcurrentHashMap.newKeySet();
                    String body = "{\"sessionId\":\"" + credential + "\",\"event\":\"say\",\"data\":{\"room\":\"" + room
                            + "\",\"talker\":\"" + name + "\",\"n\":" + n + "},\"seq\":" + seq + "}";
                    post(r, "/message", body, cut, 0.05);
                    if (!cut.isEmpty()) {
                        mayRunTwice.add(n);
                    }
                    sent.set(n + 1);
                    Thread.sleep(30 + r.nextInt(40));
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    private final class Listener implements Runnable {
        final String room;
        final Random r;
        String credential;
        volatile long lastId = -1;
        final List<long[]> positions = new CopyOnWriteArrayList<>();
        /** talker → the n values received, in arrival order. */
        final Map<String, List<Integer>> received = new ConcurrentHashMap<>();

        final List<String> missed = new CopyOnWriteArrayList<>();
        final AtomicLong reconnects = new AtomicLong();
        volatile @Nullable InputStream current;
        volatile @Nullable Throwable failure;

        Listener(String room, long seed) {
            this.room = room;
            this.r = new Random(seed);
        }

        @Override
        public void run() {
            try {
                while (!stopping.get()) {
                    readOnce();
                    reconnects.incrementAndGet();
                    Thread.sleep(20 + r.nextInt(80));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure = t;
            }
        }

        void cut() {
            InputStream in = current;
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // cut
                }
            }
        }

        private void readOnce() throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create(base(anyInstance(r)) + "/sse?sessionId=" + credential))
                    .header("Accept", "text/event-stream");
            if (lastId >= 0) {
                b.header("Last-Event-ID", Long.toString(lastId));
            }
            HttpResponse<InputStream> res;
            try {
                res = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                return; // instance down: try another
            }
            try (InputStream in = res.body()) {
                if (res.statusCode() != 200) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (res.statusCode() == 404 || res.statusCode() == 400 || res.statusCode() == 403) {
                        throw new AssertionError("stream answered " + res.statusCode() + ": " + body);
                    }
                    return; // 503: retry
                }
                current = in;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                long id = -1;
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("id:")) {
                        id = Long.parseLong(line.substring(3).trim());
                    } else if (line.startsWith("data:")) {
                        JsonNode frame = JSON.readTree(line.substring(5).trim());
                        String event = frame.path("event").asText();
                        if (event.equals("said")) {
                            JsonNode d = frame.path("data");
                            received.computeIfAbsent(d.path("talker").asText(), k -> new CopyOnWriteArrayList<>())
                                    .add(d.path("n").asInt());
                            positions.add(new long[] {id});
                            lastId = id;
                        } else if (event.equals("__missed")) {
                            missed.add(frame.toString());
                        }
                        if (id >= 0 && !event.equals("said")) {
                            lastId = Math.max(lastId, id);
                        }
                        id = -1;
                    }
                }
            } catch (IOException e) {
                // cut, or the instance went away: resume
            } finally {
                current = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------- the run

    @Test
    void everyMessageExactlyOnceAndInOrderThroughAMinuteOfFaults() throws Exception {
        redis = new RedisServerProcess().start();
        for (int i = 0; i < INSTANCES; i++) {
            startInstance(i);
        }
        note("seed " + seed + ", " + duration.toSeconds() + " s");
        long heapAtStart = usedHeapAfterGc();

        List<Talker> talkers = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        for (String room : ROOMS) {
            for (int l = 0; l < LISTENERS_PER_ROOM; l++) {
                Listener li = new Listener(room, random.nextLong());
                li.credential = connect(random);
                post(random, "/message", joinBody(li.credential, room, 1), null, 0);
                listeners.add(li);
            }
            for (int t = 0; t < TALKERS_PER_ROOM; t++) {
                Talker ta = new Talker(room + "-t" + t, room, random.nextLong());
                ta.credential = connect(random);
                talkers.add(ta);
            }
        }
        List<Thread> talking = new ArrayList<>();
        for (Listener li : listeners) {
            daemon(li, "chaos-listener-" + li.room);
        }
        for (Talker ta : talkers) {
            talking.add(daemon(ta, "chaos-talker-" + ta.name));
        }

        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500 + random.nextInt(2_500)));
            Listener victim = listeners.get(random.nextInt(listeners.size()));
            victim.cut();
            int fault = random.nextInt(4);
            faults++;
            int i = random.nextInt(INSTANCES);
            switch (fault) {
                case 0 -> {
                    note("kill instance " + i);
                    killInstance(i);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500 + random.nextInt(1_500)));
                    startInstance(i);
                    note("instance " + i + " started");
                }
                case 1 -> {
                    note("drain instance " + i);
                    drainInstance(i);
                    startInstance(i);
                    note("instance " + i + " started");
                }
                case 2 -> {
                    int ms = 500 + random.nextInt(1_500);
                    note("CLIENT PAUSE " + ms + " ms");
                    redis.tryCommand("CLIENT PAUSE " + ms + " ALL");
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
                }
                default -> {
                    int ms = 500 + random.nextInt(1_500);
                    note("SIGSTOP redis for " + ms + " ms");
                    redis.freeze();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
                    redis.thaw();
                    note("SIGCONT redis");
                }
            }
        }
        note("faults over; talkers stop");
        talkersStop.set(true);
        for (Thread t : talking) {
            t.join(TimeUnit.SECONDS.toMillis(90));
        }
        // Listeners keep reading (resuming) until they have everything the talkers had answered.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !allReceived(talkers, listeners)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        stopping.set(true);
        listeners.forEach(Listener::cut);
        note("done");

        String context =
                "seed " + seed + " (rerun with -Dchaos.seed=" + seed + "), timeline:\n" + String.join("\n", timeline);
        int messages = 0;
        for (Talker ta : talkers) {
            assertThat(ta.failure).as("talker %s failed; %s", ta.name, context).isNull();
            messages += ta.sent.get();
            for (int n = 0; n < ta.sent.get(); n++) {
                AtomicInteger runs = RUNS.get(ta.name + "#" + n);
                assertThat(runs).as("%s #%d never ran; %s", ta.name, n, context).isNotNull();
                if (ta.mayRunTwice.contains(n)) {
                    assertThat(runs.get())
                            .as("%s #%d runs; %s", ta.name, n, context)
                            .isBetween(1, 2);
                } else {
                    assertThat(runs.get())
                            .as("%s #%d runs; %s", ta.name, n, context)
                            .isEqualTo(1);
                }
            }
        }
        for (Listener li : listeners) {
            assertThat(li.failure).as("listener failed; %s", context).isNull();
            assertThat(li.missed).as("__missed; %s", context).isEmpty();
            long previous = 0;
            for (long[] p : li.positions) {
                assertThat(p[0]).as("positions increase; %s", context).isGreaterThan(previous);
                previous = p[0];
            }
            for (Talker ta : talkers) {
                if (!ta.room.equals(li.room)) {
                    continue;
                }
                List<Integer> got = li.received.getOrDefault(ta.name, List.of());
                List<Integer> expected = new ArrayList<>();
                for (int n = 0; n < ta.sent.get(); n++) {
                    expected.add(n);
                }
                assertThat(got)
                        .as("listener of %s, messages of %s: each once, in order; %s", li.room, ta.name, context)
                        .isEqualTo(expected);
            }
        }
        long deliveries = listeners.stream()
                .mapToLong(
                        l -> l.received.values().stream().mapToLong(List::size).sum())
                .sum();
        System.out.printf(
                "ChaosIT: seed %d, %d s, %d faults, %d messages, %d deliveries checked, 0 duplicates, 0 losses,"
                        + " %d listener reconnects, used heap after GC %d MB at start and %d MB at the end%n",
                seed,
                duration.toSeconds(),
                faults,
                messages,
                deliveries,
                listeners.stream().mapToLong(l -> l.reconnects.get()).sum(),
                heapAtStart >> 20,
                usedHeapAfterGc() >> 20);
        assertThat(messages).as("traffic flowed; %s", context).isGreaterThan(500);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String joinBody(String credential, String room, long seq) {
        return "{\"sessionId\":\"" + credential + "\",\"event\":\"join\",\"data\":{\"room\":\"" + room + "\"},\"seq\":"
                + seq + "}";
    }

    private static boolean allReceived(List<Talker> talkers, List<Listener> listeners) {
        for (Listener li : listeners) {
            for (Talker ta : talkers) {
                if (ta.room.equals(li.room)
                        && li.received.getOrDefault(ta.name, List.of()).size() < ta.sent.get()) {
                    return false;
                }
            }
        }
        return true;
    }
}
