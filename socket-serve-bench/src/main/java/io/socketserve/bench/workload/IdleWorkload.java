package io.socketserve.bench.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.ProtocolDriver;
import io.socketserve.bench.driver.StreamListener;
import io.socketserve.bench.server.ServerHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory per idle SSE session: the server's heap after a full GC and its RSS, first with no session,
 * then with each requested number of connected sessions holding an open stream and doing nothing.
 * Per-session figures are (value − value with none) / sessions, and the marginal cost between one
 * size and the next ((value(n₂) − value(n₁)) / (n₂ − n₁)), which leaves out one-time costs such as
 * JIT-compiled code. Run the server with a pre-touched heap ({@code -XX:+AlwaysPreTouch}) so that its
 * RSS does not grow with heap use: the RSS figures are then the memory outside the Java heap.
 */
public final class IdleWorkload {

    private static final Logger log = LoggerFactory.getLogger(IdleWorkload.class);

    /** One size's measurements. */
    public record Result(
            String server,
            int sessions,
            long established,
            long heapAfterGcMb,
            long rssMb,
            long heapBytesPerSession,
            long rssBytesPerSession,
            long heapMarginal,
            long rssMarginal,
            long nettyDirectMb,
            double serverCpuIdle,
            int serverThreads) {}

    private static final StreamListener IGNORE = new StreamListener() {
        @Override
        public void onMessage(long position, byte[] json, int length) {}

        @Override
        public long lastPosition() {
            return -1;
        }
    };

    private IdleWorkload() {}

    public static List<Result> run(ProtocolDriver driver, ServerHandle server, List<Integer> sizes, int concurrency)
            throws Exception {
        List<JsonNode> stats0 = server.gc();
        long heap0 = heap(stats0);
        long rss0 = server.rssBytes();
        log.info(
                "idle: baseline heap {} MB, RSS {} MB, threads {}",
                heap0 >> 20,
                rss0 >> 20,
                stats0.stream().mapToInt(st -> st.path("threads").asInt()).sum());
        List<Result> results = new ArrayList<>();
        List<ClientSession> open = new ArrayList<>();
        long prevHeap = heap0;
        long prevRss = rss0;
        int prevSessions = 0;
        try {
            for (int size : sizes) {
                int more = size - open.size();
                Ramp.Outcome<ClientSession> out = Ramp.run(
                                more, concurrency, i -> driver.connect(i % driver.instances())
                                        .thenCompose(s -> s.openStream(IGNORE).thenApply(v -> s)))
                        .get(10, TimeUnit.MINUTES);
                open.addAll(out.results().stream().filter(Objects::nonNull).toList());
                BroadcastWorkload.sleepNanos(TimeUnit.SECONDS.toNanos(3));
                CpuMeter cpu = new CpuMeter(server);
                BroadcastWorkload.sleepNanos(TimeUnit.SECONDS.toNanos(2));
                double idleCpu = cpu.percent()[0];
                List<JsonNode> stats = server.gc();
                long heap = heap(stats);
                long rss = server.rssBytes();
                long direct = stats.stream()
                        .mapToLong(s -> Math.max(0, s.path("nettyDirect").asLong()))
                        .sum();
                int n = open.size();
                Result r = new Result(
                        server.label(),
                        size,
                        n,
                        heap >> 20,
                        rss >> 20,
                        n == 0 ? 0 : (heap - heap0) / n,
                        n == 0 ? 0 : (rss - rss0) / n,
                        n == prevSessions ? 0 : (heap - prevHeap) / (n - prevSessions),
                        n == prevSessions ? 0 : (rss - prevRss) / (n - prevSessions),
                        direct >> 20,
                        idleCpu,
                        stats.stream()
                                .mapToInt(st -> st.path("threads").asInt())
                                .sum());
                results.add(r);
                prevHeap = heap;
                prevRss = rss;
                prevSessions = n;
                log.info(
                        "idle: {} sessions ({} failed{}): heap {} B/session, RSS {} B/session",
                        n,
                        out.failures(),
                        out.firstFailure() == null ? "" : ": " + out.firstFailure(),
                        r.heapBytesPerSession(),
                        r.rssBytesPerSession());
            }
        } finally {
            open.forEach(ClientSession::close);
        }
        return results;
    }

    private static long heap(List<JsonNode> stats) {
        return stats.stream().mapToLong(s -> s.path("heapUsed").asLong()).sum();
    }
}
