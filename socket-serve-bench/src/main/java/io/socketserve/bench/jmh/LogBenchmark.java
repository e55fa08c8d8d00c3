package io.socketserve.bench.jmh;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.LogSlice;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** The in-memory log: append (every emit) and read (every resume and poll). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LogBenchmark {

    @Param({"64"})
    int readBatch;

    private InMemoryBackend backend;
    private final byte[] entry = new byte[200];
    private long head;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        backend = new InMemoryBackend();
        backend.start(100_000).toCompletableFuture().get();
        for (int i = 0; i < 100_000; i++) {
            head = backend.append(entry).toCompletableFuture().get();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Long append() throws Exception {
        return backend.append(entry).toCompletableFuture().getNow(null);
    }

    @Benchmark
    public LogSlice readRecent() {
        return backend.read(head - 50_000, readBatch).toCompletableFuture().getNow(null);
    }
}
