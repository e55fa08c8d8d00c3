package io.socketserve.bench.workload;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latencies in microseconds, recorded without contention: each I/O thread writes its own {@link
 * Histogram}; {@link #merged()} adds them up once the threads are quiet (after the run's drain).
 */
public final class LatencyRecorder {

    /** Longest latency tracked: 5 minutes; 3 significant digits. */
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final List<Histogram> all = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Histogram> mine = ThreadLocal.withInitial(() -> {
        Histogram h = new Histogram(HIGHEST_MICROS, 3);
        all.add(h);
        return h;
    });

    /** Records {@code nanos}, clamped to the tracked range. */
    public void recordNanos(long nanos) {
        long micros = Math.max(0, Math.min(HIGHEST_MICROS, nanos / 1000));
        mine.get().recordValue(micros);
    }

    /**
     * The calling thread's histogram, for a caller that records many values from one thread and
     * keeps it (saves a thread-local lookup per value).
     */
    Histogram forCurrentThread() {
        return mine.get();
    }

    /** Records {@code nanos} into {@code h}, clamped to the tracked range. */
    static void record(Histogram h, long nanos) {
        h.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, nanos / 1000)));
    }

    /** The sum of every thread's histogram. */
    public Histogram merged() {
        Histogram out = new Histogram(HIGHEST_MICROS, 3);
        for (Histogram h : all) {
            out.add(h);
        }
        return out;
    }
}
