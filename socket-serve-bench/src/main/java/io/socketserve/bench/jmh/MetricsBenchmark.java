package io.socketserve.bench.jmh;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketserve.ServerStats;
import io.socketserve.SocketServer;
import io.socketserve.bench.server.BenchServer;
import io.socketserve.micrometer.SocketServeMetrics;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reading the metrics costs (issue 18): one {@code server.stats()} snapshot, and one Prometheus
 * scrape of the {@code socketserve.*} meters (each meter reads a snapshot). The engine's counters
 * themselves are always on; binding a registry adds nothing to the request path, only this, once
 * per scrape.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsBenchmark {

    private SocketServer server;
    private PrometheusMeterRegistry registry;

    @Setup(Level.Trial)
    public void setup() {
        server = BenchServer.create(BenchServer.options().build());
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new SocketServeMetrics(server).bindTo(registry);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        registry.close();
        server.close();
    }

    @Benchmark
    public ServerStats stats() {
        return server.stats();
    }

    @Benchmark
    public String scrape() {
        return registry.scrape();
    }
}
