package io.socketserve.bench.workload;

import io.socketserve.bench.server.ProcStats;
import io.socketserve.bench.server.ServerHandle;

/** CPU use of the server processes and of the generator over an interval, in % of one core. */
final class CpuMeter {

    private final ServerHandle server;
    private final long wall0;
    private final long server0;
    private final long self0;
    private final long machine0;
    private final java.util.Map<String, Long> threads0;

    CpuMeter(ServerHandle server) {
        this.server = server;
        this.wall0 = System.nanoTime();
        this.server0 = server.cpuNanos();
        this.self0 = ProcStats.cpuNanos(ProcStats.self());
        this.machine0 = ProcStats.machineBusyNanos();
        this.threads0 = server.threadCpuNanos();
    }

    /**
     * CPU of the first server process's thread groups since construction, % of one core, the
     * busiest first, groups under 1 % left out.
     */
    java.util.Map<String, Double> serverThreads() {
        double wall = System.nanoTime() - wall0;
        java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        server.threadCpuNanos().entrySet().stream()
                .map(e -> java.util.Map.entry(
                        e.getKey(), round1((e.getValue() - threads0.getOrDefault(e.getKey(), 0L)) * 100.0 / wall)))
                .filter(e -> e.getValue() >= 1)
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * {server %, generator %, everything else on the machine %} since construction. The machine is
     * shared: the third figure shows how much CPU other processes took during the measurement.
     */
    double[] percent() {
        double wall = System.nanoTime() - wall0;
        double s = (server.cpuNanos() - server0) * 100.0 / wall;
        double g = (ProcStats.cpuNanos(ProcStats.self()) - self0) * 100.0 / wall;
        double m = (ProcStats.machineBusyNanos() - machine0) * 100.0 / wall;
        return new double[] {round1(s), round1(g), round1(Math.max(0, m - s - g))};
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
