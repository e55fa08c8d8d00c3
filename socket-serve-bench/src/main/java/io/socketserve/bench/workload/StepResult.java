package io.socketserve.bench.workload;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The measurements of one publishing step of a broadcast scenario. Latencies in milliseconds, CPU in
 * % of one core (this machine has {@code nproc} cores: 200 % is everything on 2 cores).
 * {@code countersPerBroadcast} holds, when the scenario measures them, other counters' growth per
 * acknowledged broadcast, their background rate subtracted (Redis CPU µs and commands per master, an
 * instance's CPU µs: see {@code BenchMain}'s {@code redis-modes}).
 */
public record StepResult(
        String scenario,
        String server,
        int rooms,
        int subscribers,
        int rate,
        double seconds,
        double offeredPerSec,
        double deliveredPerSec,
        long published,
        long unsent,
        long publishFailures,
        long expected,
        long delivered,
        long lost,
        long duplicates,
        long outOfOrder,
        long stray,
        double p50,
        double p90,
        double p99,
        double p999,
        double max,
        double serverCpu,
        double generatorCpu,
        double otherCpu,
        java.util.Map<String, Double> serverThreadsCpu,
        long serverRssMb,
        long streamsCut,
        long resumes,
        long missedNotices,
        long maxPublishBacklog,
        @Nullable Long redisCommandsPerBroadcast,
        java.util.@Nullable Map<String, Double> redisCommandsPerBroadcastByCommand,
        java.util.@Nullable Map<String, Double> countersPerBroadcast,
        @JsonIgnore @Nullable Histogram histogram) {

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : Math.round(h.getValueAtPercentile(percentile) / 10.0) / 100.0;
    }
}
