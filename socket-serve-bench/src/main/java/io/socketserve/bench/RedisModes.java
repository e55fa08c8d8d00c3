package io.socketserve.bench;

import io.socketserve.bench.driver.sse.SseDriver;
import io.socketserve.bench.report.Tables;
import io.socketserve.bench.server.ProcStats;
import io.socketserve.bench.server.ProcessServers;
import io.socketserve.bench.server.Quiet;
import io.socketserve.bench.server.RedisTopology;
import io.socketserve.bench.workload.BroadcastWorkload;
import io.socketserve.bench.workload.StepResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The many-rooms scenario on three Redis deployments in one run, with the same jar (issue 15):
 * standalone Redis, a Redis Cluster of {@code --masters} masters whose log has {@code --partitions}
 * partitions, and Sentinel (a master, a replica, three Sentinels). Every deployment is started here
 * on free loopback ports, fresh for each room shape.
 *
 * <p>Three socket-serve instances share each deployment: every subscriber is on instance A, every
 * publisher on B, and C has no session at all. So A's CPU per broadcast is the cost of delivering,
 * B's the cost of publishing, and C's the cost of a log entry that has no local recipient — what
 * every instance pays for every broadcast of a room it has no member of.
 *
 * <p>Per step it reports, beside delivered/s, p99 and loss/duplicates (which must be 0): Redis
 * commands per broadcast (the sum over the masters of {@code INFO stats total_commands_processed}),
 * Redis CPU per broadcast on each master ({@code INFO cpu used_cpu_sys + used_cpu_user}) and each
 * instance's CPU per broadcast ({@code /proc}), every figure with its background rate (measured for
 * ten seconds before the step: heartbeats, blocked reads timing out, Sentinel pings) subtracted,
 * over windows of whole heartbeat periods ({@link BroadcastWorkload#counterPeriod}).
 *
 * <pre>
 * java -jar socket-serve-bench.jar redis-modes                      # 1,000 × 10 and 10,000 × 2
 * java -jar socket-serve-bench.jar redis-modes --quick              # a smoke run, about 2 minutes
 * java -jar socket-serve-bench.jar redis-modes --modes cluster --partitions 24 --rates 2000
 * </pre>
 *
 * <p>The exit code is 1 if any step lost or duplicated a message.
 */
@Command(
        name = "redis-modes",
        mixinStandardHelpOptions = true,
        description = "Many rooms on standalone Redis, a Redis Cluster and Sentinel: Redis commands and CPU"
                + " per broadcast, and an instance's CPU per log entry that has no local recipient.")
final class RedisModes implements Callable<Integer> {

    /** The servers' session heartbeat period (refreshes every attached session: {@code Liveness}). */
    static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(10);

    /** A master at this share of one core is taken as full, for the capacity estimate. */
    static final double MASTER_BUDGET = 0.8;

    @Mixin
    BenchMain.Common common = new BenchMain.Common();

    @Option(names = "--modes", split = ",", description = "standalone, cluster, sentinel (default: ${DEFAULT-VALUE})")
    List<RedisTopology.Kind> modes = List.of(RedisTopology.Kind.values());

    @Option(names = "--partitions", description = "log partitions on the cluster (default: ${DEFAULT-VALUE})")
    int partitions = 12;

    @Option(
            names = "--standalone-partitions",
            description = "log partitions on standalone Redis (default: ${DEFAULT-VALUE})")
    int standalonePartitions = 1;

    @Option(names = "--sentinel-partitions", description = "log partitions behind Sentinel (default: ${DEFAULT-VALUE})")
    int sentinelPartitions = 1;

    @Option(names = "--masters", description = "masters of the cluster (default: ${DEFAULT-VALUE})")
    int masters = 3;

    @Option(names = "--shapes", split = ",", description = "rooms x members per room (default: ${DEFAULT-VALUE})")
    List<String> shapes = List.of("1000x10", "10000x2");

    @Option(names = "--rates", split = ",", description = "broadcasts/s over all rooms (default: ${DEFAULT-VALUE})")
    List<Integer> rates = List.of(1000, 2000);

    @Option(names = "--seconds", description = "per step (default: ${DEFAULT-VALUE})")
    double seconds = 10;

    @Option(names = "--warmup", description = "warm-up seconds (default: ${DEFAULT-VALUE})")
    double warmup = 8;

    @Option(names = "--publishers", description = "publishing sessions (default: ${DEFAULT-VALUE})")
    int publishers = 64;

    @Option(
            names = "--server-warm-up",
            description = "warm-up sessions of each server before it is ready, -1: the server's default")
    int serverWarmUp = -1;

    @Option(
            names = "--quick",
            description = "a smoke run: 100 x 10 and 500 x 2 rooms, one 3-second step at 200 msg/s, servers"
                    + " without warm-up, no waiting for a quiet machine, no repeats")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        if (quick) {
            shapes = List.of("100x10", "500x2");
            rates = List.of(200);
            seconds = 3;
            warmup = 1;
            publishers = 16;
            serverWarmUp = 0;
            common.quietWait = 0;
            common.retries = 0;
        }
        if (common.serverJvm.equals(List.of("-Xms2g", "-Xmx2g", "-XX:+UseG1GC"))) {
            // three server JVMs at once: the default heap of one would take 6 GB
            common.serverJvm = new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"));
        }
        List<Row> rows = new ArrayList<>();
        for (RedisTopology.Kind mode : modes) {
            for (String shape : shapes) {
                String[] rm = shape.toLowerCase(Locale.ROOT).split("x");
                if (rm.length != 2) {
                    throw new IllegalArgumentException("--shapes takes ROOMSxMEMBERS: " + shape);
                }
                rows.addAll(run(mode, Integer.parseInt(rm[0].trim()), Integer.parseInt(rm[1].trim())));
            }
        }
        String md = table(rows)
                + "\n"
                + capacity(rows)
                + "\n"
                + Tables.redisBreakdown(rows.stream().map(Row::step).toList());
        Tables.writeJson(common.out.resolve("redis-modes.json"), rows);
        Tables.writeText(common.out.resolve("redis-modes.md"), md);
        System.out.println(md);
        boolean clean =
                rows.stream().allMatch(r -> r.step().lost() == 0 && r.step().duplicates() == 0);
        return clean ? 0 : 1;
    }

    private int partitionsOf(RedisTopology.Kind mode) {
        return switch (mode) {
            case standalone -> standalonePartitions;
            case cluster -> partitions;
            case sentinel -> sentinelPartitions;
        };
    }

    private List<Row> run(RedisTopology.Kind mode, int rooms, int members) throws Exception {
        Quiet.await(common.quietThreshold, common.quietWait);
        int p = partitionsOf(mode);
        String name = "redis-modes-" + mode + "-p" + p + "-" + rooms + "x" + members;
        Path logs = common.out.resolve("logs");
        RedisTopology topology = RedisTopology.start(mode, masters, logs);
        ProcessServers servers;
        try {
            servers = ProcessServers.socketServe(
                    common.serverFlags(name), 3, topology, p, common.serverIoThreads, serverWarmUp, logs);
        } catch (IOException | RuntimeException e) {
            topology.close();
            throw e;
        }
        try (servers;
                SseDriver driver = common.driver(servers)) {
            Supplier<Map<String, Long>> commands = () -> {
                try {
                    return topology.commandCalls();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            Supplier<Map<String, Long>> counters = () -> {
                try {
                    Map<String, Long> c = new LinkedHashMap<>(topology.masterCounters());
                    for (int i = 0; i < 3; i++) {
                        c.put("instanceCpuMicros@" + i, ProcStats.cpuNanos(servers.pid(i)) / 1000);
                    }
                    return c;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            List<StepResult> steps = new BroadcastWorkload(new BroadcastWorkload.Config(
                            "many rooms, " + mode,
                            rooms,
                            members,
                            rates,
                            seconds,
                            warmup,
                            publishers,
                            100,
                            common.setupConcurrency,
                            common.maxOtherCpu,
                            common.retries))
                    .placement(0, 1)
                    .counterPeriod(HEARTBEAT)
                    .run(driver, servers, commands, counters);
            Tables.writeJson(common.out.resolve(name + ".json"), steps);
            List<Row> rows = new ArrayList<>();
            for (StepResult s : steps) {
                rows.add(Row.of(mode, topology.masters().size(), p, s));
            }
            return rows;
        }
    }

    /**
     * One step on one deployment.
     *
     * @param commandsPerBroadcast Σ over the masters of {@code total_commands_processed} growth
     * @param redisCpuMicrosPerMaster each master's CPU per broadcast, µs
     * @param instanceCpuMicros CPU per broadcast of instance A (subscribers), B (publishers), C (no
     *     session), µs
     */
    record Row(
            RedisTopology.Kind mode,
            int masters,
            int partitions,
            double commandsPerBroadcast,
            List<Double> redisCpuMicrosPerMaster,
            List<Double> instanceCpuMicros,
            StepResult step) {

        static Row of(RedisTopology.Kind mode, int masters, int partitions, StepResult s) {
            Map<String, Double> c = s.countersPerBroadcast() == null ? Map.of() : s.countersPerBroadcast();
            double commands = 0;
            List<Double> cpu = new ArrayList<>();
            for (int i = 0; i < masters; i++) {
                commands += c.getOrDefault("commands@" + i, 0.0);
                cpu.add(c.getOrDefault("cpuMicros@" + i, 0.0));
            }
            List<Double> inst = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                inst.add(c.getOrDefault("instanceCpuMicros@" + i, 0.0));
            }
            return new Row(mode, masters, partitions, commands, cpu, inst, s);
        }

        double redisCpuMicros() {
            return redisCpuMicrosPerMaster.stream()
                    .mapToDouble(Double::doubleValue)
                    .sum();
        }
    }

    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| Redis | P | rooms × members | msg/s | delivered/s | p50 ms | p99 ms | lost | dup | ooo"
                + " | Redis cmds/msg | Redis CPU µs/msg, per master | Σ | A µs/msg (subscribers) | B µs/msg (publishers)"
                + " | C µs/msg (no recipient) |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows) {
            StepResult s = r.step();
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %,d × %d | %,d | %,.0f | %s | %s | %,d | %,d | %,d | %.1f | %s | %.1f | %.0f | %.0f | %.0f |\n",
                    r.mode() == RedisTopology.Kind.cluster ? "cluster, " + r.masters() + " masters" : r.mode(),
                    r.partitions(),
                    s.rooms(),
                    s.rooms() == 0 ? 0 : s.subscribers() / s.rooms(),
                    s.rate(),
                    s.deliveredPerSec(),
                    ms(s.p50()),
                    ms(s.p99()),
                    s.lost(),
                    s.duplicates(),
                    s.outOfOrder(),
                    r.commandsPerBroadcast(),
                    String.join(
                            " / ",
                            r.redisCpuMicrosPerMaster().stream()
                                    .map(v -> String.format(Locale.ROOT, "%.1f", v))
                                    .toList()),
                    r.redisCpuMicros(),
                    r.instanceCpuMicros().get(0),
                    r.instanceCpuMicros().get(1),
                    r.instanceCpuMicros().get(2)));
        }
        return b.toString();
    }

    /**
     * Masters needed for 100,000 and 1,000,000 broadcasts/s from each step's Redis CPU per broadcast
     * (all masters together), a master being full at {@link #MASTER_BUDGET} of one core.
     */
    static String capacity(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "Masters needed on paper (Σ Redis CPU µs/msg × rate / (%.0f %% of 1,000,000 µs/s)):\n\n",
                MASTER_BUDGET * 100));
        b.append("| Redis | P | rooms × members | msg/s | Σ Redis µs/msg | 100k msg/s | 1M msg/s |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows) {
            double us = r.redisCpuMicros();
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %,d × %d | %,d | %.1f | %.1f | %.0f |\n",
                    r.mode(),
                    r.partitions(),
                    r.step().rooms(),
                    r.step().rooms() == 0
                            ? 0
                            : r.step().subscribers() / r.step().rooms(),
                    r.step().rate(),
                    us,
                    mastersFor(100_000, us),
                    mastersFor(1_000_000, us)));
        }
        return b.toString();
    }

    private static String ms(double v) {
        return v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    /** Masters for {@code rate} broadcasts/s at {@code microsPerBroadcast} of Redis CPU each. */
    static double mastersFor(double rate, double microsPerBroadcast) {
        return rate * microsPerBroadcast / (MASTER_BUDGET * 1e6);
    }
}
