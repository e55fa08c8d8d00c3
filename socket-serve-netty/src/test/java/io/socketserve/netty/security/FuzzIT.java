package io.socketserve.netty.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.SocketServer;
import io.socketserve.netty.testing.HttpResult;
import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import io.socketserve.netty.testing.TestServer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated malformed requests ({@link MalformedRequests}) from several threads at a
 * running server, over raw sockets, while a well-behaved client keeps talking to it. Every answer is
 * a JSON 4xx (a close is acceptable only for framing-level garbage; never a 5xx, a 2xx or a hang),
 * the well-behaved client gets every message in order, and the heap comes back to where it was.
 *
 * <p>The seed is fixed ({@link #SEED}) and printed; try another with {@code -Dfuzz.seed=<seed>}.
 */
class FuzzIT {

    /** The fixed default seed (override with {@code -Dfuzz.seed}). */
    private static final long SEED = 0x5EC_0_2026L;

    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final int CASES = 4_000;
    private static final int MIN_CASES = 3_000;
    private static final int THREADS = 8;
    private static final Duration BUDGET = Duration.ofSeconds(30);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(6);
    private static final long HEAP_TOLERANCE = 64L * 1024 * 1024;

    // Short request timeout: truncated requests are closed quickly, so they cannot stall a worker long.
    private final TestServer ts = TestServer.start(
            o -> o.maxPayloadBytes(MAX_PAYLOAD).eventRateLimit(0, 1).connectionRateLimit(0, 1),
            c -> c.requestTimeoutMillis(1_000));
    private final ExecutorService workers = Executors.newFixedThreadPool(THREADS + 2);

    @AfterEach
    void stop() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        ts.close();
    }

    /** What came of each case, for the summary. */
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

    private final List<String> failures = new CopyOnWriteArrayList<>();

    private void record(MalformedRequests.Case c, RawExchange.Result r) {
        String key = c.category() + " "
                + (r.answered()
                        ? Integer.toString(r.response().status())
                        : r.outcome().name());
        outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
        String problem = problem(c, r);
        if (problem != null && failures.size() < 25) {
            failures.add("#" + c.index() + " [" + c.category() + "/" + c.kind() + "] " + problem + "\n    request: "
                    + c.preview() + "\n    got: " + r);
        }
    }

    private static String problem(MalformedRequests.Case c, RawExchange.Result r) {
        if (!r.answered()) {
            if (r.outcome() == RawExchange.Outcome.TIMEOUT) {
                return "no answer and no close (a hang)";
            }
            return c.kind() == MalformedRequests.Kind.FRAMING ? null : "closed without an answer";
        }
        HttpResult h = r.response();
        if (h.status() < 400 || h.status() >= 500) {
            return "status " + h.status() + " is not a 4xx";
        }
        String type = h.header("Content-Type");
        if (type == null || !type.startsWith("application/json")) {
            return "not JSON: " + type;
        }
        if (h.error() == null || h.message() == null) {
            return "not a {\"error\",\"message\"} body";
        }
        return null;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    @Test
    void malformedRequestsGetJsonErrorsWhileAWellBehavedClientLosesNothing() throws Exception {
        long seed = Long.getLong("fuzz.seed", SEED);
        System.out.println("FuzzIT seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        SocketServer server = ts.server();
        server.on("echo", (socket, data, ack) -> socket.emit("echoed", data));
        TestClient victim = ts.connectedClient(); // its credential is used by the fuzzer
        TestClient good = ts.streamingClient();
        server.socket(good.id()).orElseThrow().join("good");
        InetSocketAddress address = ts.address();
        MalformedRequests generator = new MalformedRequests(seed, victim.credential(), victim.id(), MAX_PAYLOAD);

        // Warm up (classes, JIT, pools), then take the baseline.
        for (int i = 0; i < 200; i++) {
            RawExchange.send(address, generator.get(-1 - i).bytes(), CLIENT_TIMEOUT);
        }
        long baseline = usedHeapAfterGc();
        long directBaseline = directBytes();

        AtomicBoolean fuzzing = new AtomicBoolean(true);
        AtomicLong next = new AtomicLong();
        LongAdder sent = new LongAdder();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        List<Future<?>> fuzzers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            fuzzers.add(workers.submit(() -> {
                long i;
                while ((i = next.getAndIncrement()) < CASES && System.nanoTime() < deadline) {
                    MalformedRequests.Case c = generator.get(i);
                    record(c, RawExchange.send(address, c.bytes(), CLIENT_TIMEOUT));
                    sent.increment();
                }
                return null;
            }));
        }
        // Alongside: the good client sends in lock-step, and the server streams ticks to its room.
        AtomicInteger echoes = new AtomicInteger();
        List<String> goodProblems = new CopyOnWriteArrayList<>();
        Future<?> talker = workers.submit(() -> {
            for (int i = 0; fuzzing.get(); i++) {
                HttpResult r = good.emit("echo", i);
                if (r.status() != 200) {
                    goodProblems.add("echo " + i + " answered " + r);
                    return null;
                }
                int got =
                        good.awaitEvent("echoed", Duration.ofSeconds(10)).data().asInt();
                if (got != i) {
                    goodProblems.add("echo " + i + " came back as " + got);
                    return null;
                }
                echoes.incrementAndGet();
            }
            return null;
        });
        AtomicInteger ticks = new AtomicInteger();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ticker.scheduleAtFixedRate(
                () -> server.to("good")
                        .emit("tick", ticks.getAndIncrement())
                        .toCompletableFuture()
                        .join(),
                0,
                5,
                TimeUnit.MILLISECONDS);

        for (Future<?> f : fuzzers) {
            f.get(BUDGET.toSeconds() + 30, TimeUnit.SECONDS);
        }
        fuzzing.set(false);
        talker.get(30, TimeUnit.SECONDS);
        ticker.shutdown(); // lets no further tick start
        assertThat(ticker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        System.out.println("FuzzIT: " + sent.sum() + " cases, " + echoes.get() + " echoes, " + ticks.get()
                + " ticks; outcomes by category: " + new TreeMap<>(outcomes));
        assertThat(failures).as("cases answered wrongly (seed %d)", seed).isEmpty();
        assertThat(sent.sum()).as("cases sent within %s", BUDGET).isGreaterThanOrEqualTo(MIN_CASES);
        assertThat(goodProblems).isEmpty();
        assertThat(echoes.get()).as("the good client kept being served").isGreaterThan(20);
        int total = ticks.get();
        ReceivedFrame last =
                good.await(f -> f.event().equals("tick") && f.data().asInt() == total - 1, "the last tick");
        assertThat(last).isNotNull();
        List<Integer> received = good.frames().history().stream()
                .filter(f -> f.event().equals("tick"))
                .map(f -> f.data().asInt())
                .toList();
        assertThat(received)
                .as("every tick, in order")
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, total).boxed().toList());
        assertThat(good.streamOpen()).isTrue();
        assertThat(victim.emit("echo", "victim unharmed").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    long heap = usedHeapAfterGc();
                    System.out.println("FuzzIT heap after: " + (heap >> 20) + " MiB (baseline " + (baseline >> 20)
                            + " MiB); direct " + (directBytes() >> 20) + " MiB (baseline " + (directBaseline >> 20)
                            + " MiB)");
                    assertThat(heap).as("heap after the fuzz").isLessThan(baseline + HEAP_TOLERANCE);
                });
    }
}
