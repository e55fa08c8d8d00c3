package io.socketserve.bench.workload;

import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.StreamListener;
import io.socketserve.bench.driver.sse.Bytes;
import io.socketserve.bench.driver.sse.SseDriver;
import io.socketserve.bench.server.BenchServer;
import io.socketserve.bench.server.ProcStats;
import io.socketserve.bench.server.RedisProcess;
import io.socketserve.bench.server.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Issue 16: every client reconnects at once to a server process that has just started.
 *
 * <p><b>Cold storm.</b> Starts the server process ({@link BenchServer}, in-memory or on a {@code
 * redis-server} of its own) and, as soon as it prints {@code READY} (after its warm-up), sets up
 * {@code sessions} sessions, {@code concurrency} at a time, each as a browser would after a
 * deploy: a new TCP connection, {@code POST /connect}, {@code GET /sse} on that connection until
 * the {@code connected} frame, then {@code POST /message} {@code join} (one of {@code rooms} rooms)
 * on a second connection, which is closed once answered. Then one broadcast per room, and every
 * session must receive its room's message exactly once.
 *
 * <p><b>Resume storm</b> (Redis only). The same set-up on a first instance, one broadcast per room
 * (every client then has a {@code Last-Event-ID}), then that instance is killed (SIGKILL);
 * {@code awayMessages} broadcasts are sent through a second instance while the clients are away; a
 * fresh instance is started on the first one's port and every client resumes its stream there with
 * its {@code Last-Event-ID}. Every message of the client's room sent while it was away must arrive
 * exactly once, and nothing older.
 *
 * <p>Measured: process start → {@code READY}; {@code READY} → every session streaming (joined, or
 * resumed); set-ups completed in each second; the server process's CPU time per set-up (from {@code
 * /proc/<pid>/stat}); set-up latency; Redis commands per set-up ({@code INFO commandstats} delta)
 * and round trips ({@link #ROUND_TRIP_COMMANDS}).
 */
public final class ColdStorm {

    /** What to run. */
    public record Config(
            boolean redis,
            boolean resume,
            int sessions,
            int rooms,
            int concurrency,
            int awayMessages,
            int warmUp,
            List<String> jvmFlags,
            int sources,
            int genThreads,
            Path logs,
            int generatorWarmUp,
            int serverIoThreads,
            int redisPartitions) {}

    /** The result; times in ms. */
    public record Result(
            String scenario,
            String backend,
            int sessions,
            int rooms,
            int concurrency,
            int warmUpSessions,
            double startToReadyMs,
            double readyToAllStreamingMs,
            double startToAllStreamingMs,
            long established,
            long failures,
            @Nullable String firstFailure,
            List<Integer> setupsPerSecond,
            double serverCpuStartMs,
            double serverCpuStormMs,
            double cpuPerSetupMs,
            double cpuPerSetupWithStartMs,
            double redisCpuPerSetupMs,
            double generatorCpuPercent,
            double otherCpuPercent,
            double p50Ms,
            double p99Ms,
            double maxMs,
            long messagesExpected,
            long messagesReceived,
            long messagesMissing,
            long messagesDuplicated,
            long messagesUnexpected,
            double deliveryMs,
            double serverSystemCpuShare,
            Map<String, Double> serverThreadsMs,
            Map<String, Double> redisCommandsPerSetup,
            double redisRoundTripsPerSetup) {}

    /**
     * The Redis commands of a set-up that are round trips: what our code sends itself (a script call,
     * the log reader's {@code XREAD}, the Pub/Sub fan-out), as opposed to the commands its scripts
     * run, which {@code INFO commandstats} counts as well. Until session 8 a credential check was a
     * plain {@code HGETALL} and was counted here; since then a set-up's credential checks use the
     * instance's copy of the record or the {@code session_membership} script, which runs its {@code
     * HGETALL} inside (so counting it would count that script twice). {@code
     * ClusterIT#aSessionSetUpSendsRedisThreeCommands} checks with {@code MONITOR} that a set-up sends
     * nothing but its three scripts.
     */
    private static final List<String> ROUND_TRIP_COMMANDS =
            List.of("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "xread", "publish");

    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

    private ColdStorm() {}

    /** One client's stream: counts each message by its {@code seq}. */
    static final class Client implements StreamListener {
        final int room;
        final int[] counts;
        volatile long lastPosition = -1;
        volatile long received;

        Client(int room, int maxSeq) {
            this.room = room;
            this.counts = new int[maxSeq];
        }

        @Override
        public void onMessage(long position, byte[] json, int length) {
            if (position > lastPosition) {
                lastPosition = position;
            }
            int at = Bytes.indexOf(json, length, SEQ, 0);
            long seq = Bytes.longAt(json, length, at < 0 ? -1 : at + SEQ.length);
            if (seq >= 0 && seq < counts.length) {
                counts[(int) seq]++;
            }
            received++;
        }

        @Override
        public long lastPosition() {
            return lastPosition;
        }
    }

    public static Result run(Config c) throws Exception {
        warmUpGenerator(c);
        RedisProcess redis = c.redis() ? RedisProcess.start(c.logs().resolve("redis-coldstorm.log")) : null;
        try {
            return c.resume() ? resume(c, java.util.Objects.requireNonNull(redis)) : cold(c, redis);
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    /**
     * The generator is a JVM too: cold, it spent more CPU per set-up than the server it measures
     * (1.1-1.4 cores for 1,000 set-ups in the first runs) and paced the storm. Before the measured
     * server starts, the generator runs {@code generatorWarmUp} set-ups (the same code path,
     * {@link #setUp}) against a throwaway in-memory server process, which is then stopped. Nothing of
     * it is measured; the measured server is started afterwards, cold.
     */
    private static void warmUpGenerator(Config c) throws Exception {
        if (c.generatorWarmUp() <= 0) {
            return;
        }
        try (ServerProcess server = ServerProcess.start(
                        c.jvmFlags(),
                        BenchServer.class,
                        List.of("--warm-up", "0"),
                        c.logs().resolve("coldstorm-generator-warm-up.log"));
                SseDriver driver =
                        new SseDriver(List.of(server.address()), "/socket", c.sources(), c.genThreads(), true)) {
            Client[] clients = new Client[c.generatorWarmUp()];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new Client(i % c.rooms(), c.rooms());
            }
            Storm storm = Storm.run(c.concurrency(), System.nanoTime(), clients.length, i -> setUp(driver, clients[i]));
            storm.sessions.forEach(s -> {
                if (s != null) {
                    s.close();
                }
            });
        }
    }

    private static List<String> args(Config c, @Nullable RedisProcess redis, int port) {
        List<String> args = new ArrayList<>(List.of("--warm-up", Integer.toString(c.warmUp())));
        if (c.serverIoThreads() > 0) {
            args.add("--io-threads");
            args.add(Integer.toString(c.serverIoThreads()));
        }
        if (port > 0) {
            args.add("--port");
            args.add(Integer.toString(port));
        }
        if (redis != null) {
            args.add("--redis");
            args.add(redis.uri());
            args.add("--redis-partitions");
            args.add(Integer.toString(c.redisPartitions()));
        }
        return args;
    }

    private static Result cold(Config c, @Nullable RedisProcess redis) throws Exception {
        int maxSeq = c.rooms();
        long t0 = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(
                        c.jvmFlags(),
                        BenchServer.class,
                        args(c, redis, 0),
                        c.logs().resolve("coldstorm-server.log"));
                SseDriver driver =
                        new SseDriver(List.of(server.address()), "/socket", c.sources(), c.genThreads(), true)) {
            long ready = System.nanoTime();
            Measure m = new Measure(server.pid(), redis);
            Client[] clients = new Client[c.sessions()];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new Client(i % c.rooms(), maxSeq);
            }
            Storm storm = Storm.run(c.concurrency(), ready, clients.length, i -> setUp(driver, clients[i]));
            Measure.Delta d = m.delta(storm.done);
            // One broadcast per room, through a session of its own (in no room, so it gets none).
            long b0 = System.nanoTime();
            publish(driver, 0, c.rooms(), c.rooms()).get(1, TimeUnit.MINUTES);
            long[] tally = awaitAll(clients, c.rooms(), 0, c.rooms(), TimeUnit.SECONDS.toNanos(60));
            double deliveryMs = (System.nanoTime() - b0) / 1e6;
            storm.sessions.forEach(s -> {
                if (s != null) {
                    s.close();
                }
            });
            return result("cold storm", c, redis, (ready - t0) / 1e6, ready - t0, storm, d, tally, deliveryMs);
        }
    }

    private static Result resume(Config c, RedisProcess redis) throws Exception {
        int maxSeq = c.rooms() + c.awayMessages();
        Client[] clients = new Client[c.sessions()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(i % c.rooms(), maxSeq);
        }
        ServerProcess first = ServerProcess.start(
                c.jvmFlags(), BenchServer.class, args(c, redis, 0), c.logs().resolve("resume-first.log"));
        int port = first.port();
        try (ServerProcess other = ServerProcess.start(
                        c.jvmFlags(),
                        BenchServer.class,
                        args(c, redis, 0),
                        c.logs().resolve("resume-other.log"));
                SseDriver driver =
                        new SseDriver(List.of(first.address()), "/socket", c.sources(), c.genThreads(), true);
                SseDriver otherDriver =
                        new SseDriver(List.of(other.address()), "/socket", c.sources(), c.genThreads(), true)) {
            // Before: every client set up on the first instance, and one message per room received.
            Storm before =
                    Storm.run(c.concurrency(), System.nanoTime(), clients.length, i -> setUp(driver, clients[i]));
            if (before.failures > 0) {
                throw new IllegalStateException(
                        before.failures + " set-ups failed before the restart: " + before.first);
            }
            publish(driver, 0, c.rooms(), c.rooms()).get(1, TimeUnit.MINUTES);
            long[] pre = awaitAll(clients, c.rooms(), 0, c.rooms(), TimeUnit.SECONDS.toNanos(60));
            if (pre[1] != clients.length) {
                throw new IllegalStateException(
                        "only " + pre[1] + " of " + clients.length + " got the first broadcast");
            }
            // Away: the instance dies, the clients wait, messages go on through the other instance.
            before.sessions.forEach(ClientSession::suspendStream);
            first.kill();
            publish(otherDriver, c.rooms(), c.awayMessages(), c.rooms()).get(1, TimeUnit.MINUTES);
            // Back: a fresh instance on the same port; everyone resumes at once.
            long t0 = System.nanoTime();
            try (ServerProcess fresh = ServerProcess.start(
                    c.jvmFlags(),
                    BenchServer.class,
                    args(c, redis, port),
                    c.logs().resolve("resume-fresh.log"))) {
                long ready = System.nanoTime();
                Measure m = new Measure(fresh.pid(), redis);
                List<ClientSession> sessions = before.sessions;
                Storm storm = Storm.run(c.concurrency(), ready, clients.length, i -> {
                    ClientSession s = sessions.get(i);
                    return s.resumeStream().thenApply(v -> s);
                });
                Measure.Delta d = m.delta(storm.done);
                long[] tally = awaitAll(clients, c.rooms(), c.rooms(), c.awayMessages(), TimeUnit.SECONDS.toNanos(60));
                double replayMs = (System.nanoTime() - ready) / 1e6;
                sessions.forEach(ClientSession::close);
                return result("resume storm", c, redis, (ready - t0) / 1e6, ready - t0, storm, d, tally, replayMs);
            }
        } finally {
            first.kill();
        }
    }

    /** Connect, stream until {@code connected}, join on a second connection, close that one. */
    private static CompletionStage<ClientSession> setUp(SseDriver driver, Client client) {
        byte[] join = ("{\"room\":\"r" + client.room + "\"}").getBytes(StandardCharsets.US_ASCII);
        return driver.connect(0).thenCompose(s -> s.openStream(client)
                .thenCompose(v -> s.emit("join", join))
                .thenApply(v -> {
                    s.closeControl();
                    return s;
                }));
    }

    /** Messages {@code first … first + count - 1}, message {@code seq} to room {@code seq % rooms}. */
    private static CompletableFuture<Void> publish(SseDriver driver, int first, int count, int rooms) {
        return driver.connect(0).toCompletableFuture().thenCompose(p -> {
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int k = first; k < first + count; k++) {
                int seq = k;
                chain = chain.thenCompose(v -> p.emit(
                        "pub",
                        ("{\"room\":\"r" + (seq % rooms) + "\",\"seq\":" + seq + "}")
                                .getBytes(StandardCharsets.US_ASCII)));
            }
            return chain.whenComplete((v, e) -> p.close());
        });
    }

    /**
     * Waits until every client has its room's messages among {@code first … first + count - 1}
     * (message {@code seq} goes to room {@code seq % rooms}), or the deadline; then a little longer for
     * duplicates. Returns {expected, clients complete, received, missing, duplicated, unexpected}.
     */
    private static long[] awaitAll(Client[] clients, int rooms, int first, int count, long timeoutNanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        long[] t;
        do {
            Thread.sleep(20);
            t = tally(clients, rooms, first, count);
        } while (t[1] < clients.length && System.nanoTime() < deadline);
        Thread.sleep(500); // anything more that arrives now is a duplicate or a stray
        return tally(clients, rooms, first, count);
    }

    private static long[] tally(Client[] clients, int rooms, int first, int count) {
        long expected = 0, complete = 0, received = 0, missing = 0, duplicated = 0, unexpected = 0;
        for (Client cl : clients) {
            boolean all = true;
            for (int seq = 0; seq < cl.counts.length; seq++) {
                boolean mine = seq >= first && seq < first + count && seq % rooms == cl.room;
                int n = cl.counts[seq];
                if (mine) {
                    expected++;
                    received += Math.min(n, 1);
                    if (n == 0) {
                        missing++;
                        all = false;
                    }
                    duplicated += Math.max(0, n - 1);
                } else if (seq >= first) {
                    unexpected += n;
                } else if (n > 1) {
                    duplicated += n - 1; // an earlier message replayed again
                }
            }
            if (all) {
                complete++;
            }
        }
        return new long[] {expected, complete, received, missing, duplicated, unexpected};
    }

    private static Result result(
            String scenario,
            Config c,
            @Nullable RedisProcess redis,
            double startToReadyMs,
            long startToReadyNanos,
            Storm storm,
            Measure.Delta d,
            long[] tally,
            double deliveryMs) {
        long n = Math.max(1, storm.established);
        Map<String, Double> perSetup = new LinkedHashMap<>();
        double roundTrips = 0;
        for (Map.Entry<String, Long> e : d.commands.entrySet()) {
            if (e.getValue() > 0) {
                double v = Math.round(e.getValue() * 100.0 / n) / 100.0;
                perSetup.put(e.getKey(), v);
                if (ROUND_TRIP_COMMANDS.contains(e.getKey())) {
                    roundTrips += e.getValue() / (double) n;
                }
            }
        }
        Histogram h = storm.latency.merged();
        return new Result(
                scenario,
                redis == null
                        ? "in-memory"
                        : c.redisPartitions() == 1 ? "Redis" : "Redis, " + c.redisPartitions() + " partitions",
                c.sessions(),
                c.rooms(),
                c.concurrency(),
                c.warmUp(),
                round(startToReadyMs),
                round(storm.readyToDoneMs()),
                round(startToReadyMs + storm.readyToDoneMs()),
                storm.established,
                storm.failures,
                storm.first == null ? null : String.valueOf(storm.first),
                storm.perSecond(),
                round(d.serverCpuAtReadyNanos / 1e6),
                round(d.serverCpuNanos / 1e6),
                round3(d.serverCpuNanos / 1e6 / n),
                round3((d.serverCpuNanos + d.serverCpuAtReadyNanos) / 1e6 / n),
                redis == null ? 0 : round3(d.redisCpuNanos / 1e6 / n),
                round(d.generatorCpuNanos * 100.0 / Math.max(1, storm.done - storm.ready)),
                round(Math.max(
                        0,
                        (d.machineNanos - d.generatorCpuNanos - d.serverCpuNanos - d.redisCpuNanos)
                                * 100.0
                                / Math.max(1, storm.done - storm.ready))),
                StepResult.ms(h, 50),
                StepResult.ms(h, 99),
                h.getTotalCount() == 0 ? 0 : Math.round(h.getMaxValue() / 10.0) / 100.0,
                tally[0],
                tally[2],
                tally[3],
                tally[4],
                tally[5],
                round(deliveryMs),
                round3(d.systemNanos / (double) Math.max(1, d.serverCpuNanos)),
                d.threadsMs,
                perSetup,
                round(roundTrips));
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** CPU and Redis commands from the server's {@code READY} to the end of the storm. */
    private static final class Measure {
        final long pid;
        final @Nullable RedisProcess redis;
        final long server0;
        final long redis0;
        final long self0;
        final long machine0;
        final long system0;
        final Map<String, Long> threads0;
        final Map<String, Long> commands0;

        Measure(long pid, @Nullable RedisProcess redis) throws IOException {
            this.pid = pid;
            this.redis = redis;
            this.server0 = ProcStats.cpuNanos(pid);
            this.redis0 = redis == null ? 0 : ProcStats.cpuNanos(redis.pid());
            this.self0 = ProcStats.cpuNanos(ProcStats.self());
            this.machine0 = ProcStats.machineBusyNanos();
            this.system0 = ProcStats.cpuSplitNanos(pid)[1];
            this.threads0 = ProcStats.threadCpuNanos(pid);
            this.commands0 = redis == null ? Map.of() : redis.commandCalls();
        }

        record Delta(
                long serverCpuAtReadyNanos,
                long serverCpuNanos,
                long redisCpuNanos,
                long generatorCpuNanos,
                long machineNanos,
                long systemNanos,
                Map<String, Double> threadsMs,
                Map<String, Long> commands) {}

        /** Measured once the storm is over ({@code doneNanos}); the Redis figures exclude INFO itself. */
        Delta delta(long doneNanos) throws IOException {
            long server = ProcStats.cpuNanos(pid);
            long self = ProcStats.cpuNanos(ProcStats.self());
            Map<String, Long> commands = new LinkedHashMap<>();
            long redisCpu = 0;
            if (redis != null) {
                redisCpu = ProcStats.cpuNanos(redis.pid()) - redis0;
                redis.commandCalls().forEach((k, v) -> {
                    if (!k.equals("info")) {
                        commands.put(k, v - commands0.getOrDefault(k, 0L));
                    }
                });
            }
            Map<String, Double> threads = new LinkedHashMap<>();
            ProcStats.threadCpuNanos(pid).entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), (e.getValue() - threads0.getOrDefault(e.getKey(), 0L)) / 1e6))
                    .filter(e -> e.getValue() >= 0.01 * (server - server0) / 1e6)
                    .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                    .forEach(e -> threads.put(e.getKey(), round(e.getValue())));
            return new Delta(
                    server0,
                    server - server0,
                    redisCpu,
                    self - self0,
                    ProcStats.machineBusyNanos() - machine0,
                    ProcStats.cpuSplitNanos(pid)[1] - system0,
                    threads,
                    commands);
        }
    }

    /** Sessions set up (or resumed) from {@code ready} on, {@code concurrency} at a time. */
    private static final class Storm {
        final long ready;
        final AtomicIntegerArray perSecond = new AtomicIntegerArray(600);
        final AtomicLong last = new AtomicLong();
        final LatencyRecorder latency = new LatencyRecorder();
        List<ClientSession> sessions = List.of();
        long established;
        long failures;

        @Nullable
        Throwable first;

        long done;

        Storm(long ready) {
            this.ready = ready;
            this.last.set(ready);
        }

        static Storm run(
                int concurrency, long ready, int n, java.util.function.IntFunction<CompletionStage<ClientSession>> task)
                throws Exception {
            Storm s = new Storm(ready);
            Ramp.Outcome<ClientSession> out = Ramp.run(n, concurrency, i -> {
                        long t0 = System.nanoTime();
                        return task.apply(i).thenApply(session -> {
                            long now = System.nanoTime();
                            s.latency.recordNanos(now - t0);
                            s.perSecond.incrementAndGet((int) Math.min(599, (now - ready) / 1_000_000_000L));
                            s.last.accumulateAndGet(now, Math::max);
                            return session;
                        });
                    })
                    .get(5, TimeUnit.MINUTES);
            s.done = System.nanoTime();
            CompletableFuture.runAsync(() -> {}).get();
            s.sessions = out.results();
            s.established =
                    out.results().stream().filter(java.util.Objects::nonNull).count();
            s.failures = out.failures();
            s.first = out.firstFailure();
            return s;
        }

        double readyToDoneMs() {
            return (last.get() - ready) / 1e6;
        }

        List<Integer> perSecond() {
            List<Integer> out = new ArrayList<>();
            int lastSecond = (int) Math.min(599, (last.get() - ready) / 1_000_000_000L);
            for (int i = 0; i <= lastSecond; i++) {
                out.add(perSecond.get(i));
            }
            return out;
        }
    }
}
