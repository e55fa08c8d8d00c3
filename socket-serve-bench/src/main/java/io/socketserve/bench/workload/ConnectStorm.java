package io.socketserve.bench.workload;

import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.ProtocolDriver;
import io.socketserve.bench.driver.StreamListener;
import io.socketserve.bench.server.ServerHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Sessions established per second: each session is a new TCP connection, {@code POST /connect}, then
 * {@code GET /sse} until the {@code connected} frame — what a browser does on page load. At most
 * {@code concurrency} are in progress at once; sessions stay open until the end.
 */
public final class ConnectStorm {

    /** The result; latencies (connection start → stream confirmed) in ms. */
    public record Result(
            String server,
            String mode,
            int sessions,
            int concurrency,
            long established,
            long failures,
            double seconds,
            double sessionsPerSec,
            double p50,
            double p99,
            double max,
            double serverCpu,
            double generatorCpu,
            double otherCpu,
            java.util.Map<String, Double> serverThreadsCpu,
            long serverRssMb) {}

    private static final StreamListener IGNORE = new StreamListener() {
        @Override
        public void onMessage(long position, byte[] json, int length) {}

        @Override
        public long lastPosition() {
            return -1;
        }
    };

    private ConnectStorm() {}

    /**
     * Sessions created per second over {@code connections} keep-alive connections, each creating its
     * share one after another ({@code POST /connect} only, no stream): the engine's session creation
     * rate without TCP handshakes and stream set-up.
     */
    public static Result runReusingConnections(
            ProtocolDriver driver, ServerHandle server, int sessions, int connections) throws Exception {
        LatencyRecorder latency = new LatencyRecorder();
        CpuMeter cpu = new CpuMeter(server);
        long start = System.nanoTime();
        int each = sessions / connections;
        Ramp.Outcome<Integer> out = Ramp.run(
                        connections,
                        connections,
                        i -> driver.connectSequentially(i % driver.instances(), each, latency::recordNanos))
                .get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] c = cpu.percent();
        java.util.Map<String, Double> threads = cpu.serverThreads();
        long rss = server.rssBytes();
        CompletableFuture.runAsync(() -> {}).get();
        Histogram h = latency.merged();
        long made = out.results().stream()
                .filter(Objects::nonNull)
                .mapToLong(Integer::longValue)
                .sum();
        return new Result(
                server.label(),
                "POST /connect on keep-alive connections",
                each * connections,
                connections,
                made,
                (long) each * connections - made,
                Math.round(seconds * 100) / 100.0,
                Math.round(made / seconds),
                StepResult.ms(h, 50),
                StepResult.ms(h, 99),
                h.getTotalCount() == 0 ? 0 : Math.round(h.getMaxValue() / 10.0) / 100.0,
                c[0],
                c[1],
                c[2],
                threads,
                rss / (1024 * 1024));
    }

    public static Result run(ProtocolDriver driver, ServerHandle server, int sessions, int concurrency)
            throws Exception {
        return run(driver, server, sessions, concurrency, Integer.MAX_VALUE);
    }

    /**
     * As {@link #run(ProtocolDriver, ServerHandle, int, int)}, but only the first {@code keepOpen}
     * sessions stay connected; later ones are closed once established (their sessions live on in
     * the server until they expire), so that a long storm stays under the file-descriptor limit.
     */
    public static Result run(ProtocolDriver driver, ServerHandle server, int sessions, int concurrency, int keepOpen)
            throws Exception {
        LatencyRecorder latency = new LatencyRecorder();
        java.util.concurrent.atomic.AtomicInteger kept = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong closedEarly = new java.util.concurrent.atomic.AtomicLong();
        CpuMeter cpu = new CpuMeter(server);
        long start = System.nanoTime();
        Ramp.Outcome<ClientSession> out = Ramp.run(sessions, concurrency, i -> {
                    long t0 = System.nanoTime();
                    return driver.connect(i % driver.instances())
                            .thenCompose(s -> s.openStream(IGNORE).thenApply(v -> {
                                latency.recordNanos(System.nanoTime() - t0);
                                if (kept.incrementAndGet() > keepOpen) {
                                    s.close();
                                    closedEarly.incrementAndGet();
                                    return null;
                                }
                                return s;
                            }));
                })
                .get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] c = cpu.percent();
        java.util.Map<String, Double> threads = cpu.serverThreads();
        long rss = server.rssBytes();
        List<ClientSession> open =
                new ArrayList<>(out.results().stream().filter(Objects::nonNull).toList());
        // Let the I/O threads finish recording before merging.
        CompletableFuture.runAsync(() -> {}).get();
        Histogram h = latency.merged();
        open.forEach(ClientSession::close);
        long established = open.size() + closedEarly.get();
        return new Result(
                server.label(),
                "new connection + stream",
                sessions,
                concurrency,
                established,
                out.failures(),
                Math.round(seconds * 100) / 100.0,
                Math.round(established / seconds),
                StepResult.ms(h, 50),
                StepResult.ms(h, 99),
                h.getTotalCount() == 0 ? 0 : Math.round(h.getMaxValue() / 10.0) / 100.0,
                c[0],
                c[1],
                c[2],
                threads,
                rss / (1024 * 1024));
    }
}
