package io.socketserve.bench.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Redis a scenario runs on, started here on free loopback ports without persistence: one
 * standalone {@code redis-server}; a Redis Cluster of {@code n} masters without replicas ({@code
 * redis-server --cluster-enabled yes} each, joined with {@code redis-cli --cluster create …
 * --cluster-replicas 0 --cluster-yes}); or Sentinel (a master, one replica and three Sentinels that
 * monitor it as {@code mymaster}).
 *
 * <p>{@link #serverArgs(int)} are the {@link BenchServer} flags that reach it; {@link #masters()}
 * are the servers whose {@code INFO} the scenarios read (total commands, CPU) — the replica and the
 * Sentinels are not counted there, but their CPU is in {@link #cpuNanos()}.
 */
public final class RedisTopology implements AutoCloseable {

    /** Which kind of deployment. */
    public enum Kind {
        standalone,
        cluster,
        sentinel
    }

    private static final String MASTER_ID = "mymaster";

    private final Kind kind;
    private final List<RedisProcess> masters;
    private final List<RedisProcess> others;

    private RedisTopology(Kind kind, List<RedisProcess> masters, List<RedisProcess> others) {
        this.kind = kind;
        this.masters = masters;
        this.others = others;
    }

    /** Starts a deployment of {@code kind}; {@code masters} counts for a cluster only (at least 3). */
    public static RedisTopology start(Kind kind, int masters, Path logDir) throws IOException {
        return switch (kind) {
            case standalone -> new RedisTopology(
                    kind, List.of(RedisProcess.start(logDir.resolve("redis-standalone.log"))), List.of());
            case cluster -> cluster(masters, logDir);
            case sentinel -> sentinel(logDir);
        };
    }

    private static RedisTopology cluster(int n, Path logDir) throws IOException {
        if (n < 3) {
            throw new IllegalArgumentException("a Redis Cluster needs at least 3 masters: " + n);
        }
        List<RedisProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                nodes.add(RedisProcess.start(
                        logDir.resolve("redis-cluster-" + i + ".log"),
                        port -> List.of(
                                "redis-server",
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                "127.0.0.1",
                                "--cluster-enabled",
                                "yes",
                                "--cluster-config-file",
                                "nodes-" + port + ".conf",
                                "--cluster-node-timeout",
                                "5000",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--maxclients",
                                "1000")));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            nodes.forEach(p -> create.add("127.0.0.1:" + p.port()));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(create, logDir.resolve("redis-cluster-create.log"));
            awaitUntil(
                    () -> {
                        for (RedisProcess p : nodes) {
                            String info = p.command("CLUSTER INFO");
                            if (!info.contains("cluster_state:ok")
                                    || !info.contains("cluster_slots_ok:16384")
                                    || !info.contains("cluster_known_nodes:" + n)) {
                                return false;
                            }
                        }
                        return true;
                    },
                    30,
                    "every cluster node says cluster_state:ok");
            return new RedisTopology(Kind.cluster, List.copyOf(nodes), List.of());
        } catch (IOException | RuntimeException e) {
            nodes.forEach(RedisProcess::close);
            throw e;
        }
    }

    private static RedisTopology sentinel(Path logDir) throws IOException {
        List<RedisProcess> started = new ArrayList<>();
        try {
            RedisProcess master = RedisProcess.start(
                    logDir.resolve("redis-sentinel-master.log"),
                    List.of("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"));
            started.add(master);
            RedisProcess replica = RedisProcess.start(
                    logDir.resolve("redis-sentinel-replica.log"),
                    List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
            started.add(replica);
            awaitUntil(
                    () -> replica.command("INFO replication").contains("master_link_status:up"),
                    30,
                    "the replica is in sync");
            for (int i = 0; i < 3; i++) {
                Path conf = logDir.toAbsolutePath().resolve("sentinel-" + i + "-" + master.port() + ".conf");
                started.add(RedisProcess.start(logDir.resolve("redis-sentinel-" + i + ".log"), port -> {
                    try {
                        Files.writeString(
                                conf,
                                String.join(
                                        "\n",
                                        "port " + port,
                                        "bind 127.0.0.1",
                                        "daemonize no",
                                        "sentinel resolve-hostnames no",
                                        "sentinel announce-ip 127.0.0.1",
                                        "sentinel monitor " + MASTER_ID + " 127.0.0.1 " + master.port() + " 2",
                                        "sentinel down-after-milliseconds " + MASTER_ID + " 5000",
                                        "sentinel failover-timeout " + MASTER_ID + " 60000",
                                        ""),
                                StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return List.of("redis-server", conf.toString(), "--sentinel");
                }));
            }
            List<RedisProcess> sentinels = started.subList(2, 5);
            awaitUntil(
                    () -> {
                        for (RedisProcess s : sentinels) {
                            String r = s.command("SENTINEL GET-MASTER-ADDR-BY-NAME " + MASTER_ID);
                            if (r.startsWith("-") || r.startsWith("*-1")) {
                                return false;
                            }
                        }
                        return true;
                    },
                    30,
                    "every Sentinel knows the master");
            return new RedisTopology(Kind.sentinel, List.of(master), List.copyOf(started.subList(1, 5)));
        } catch (IOException | RuntimeException e) {
            started.forEach(RedisProcess::close);
            throw e;
        }
    }

    /** The kind of deployment. */
    public Kind kind() {
        return kind;
    }

    /** The flags of {@link BenchServer} that reach this deployment, its log in {@code partitions} partitions. */
    public List<String> serverArgs(int partitions) {
        List<String> args = new ArrayList<>();
        switch (kind) {
            case standalone -> args.addAll(List.of("--redis", masters.get(0).uri()));
            case cluster -> args.addAll(List.of(
                    "--redis-cluster",
                    String.join(",", masters.stream().map(RedisProcess::uri).toList())));
            case sentinel -> {
                List<String> sentinels = others.subList(1, others.size()).stream()
                        .map(s -> "127.0.0.1:" + s.port())
                        .toList();
                args.addAll(List.of("--redis", "redis-sentinel://" + String.join(",", sentinels) + "#" + MASTER_ID));
            }
        }
        args.addAll(List.of("--redis-partitions", Integer.toString(partitions)));
        return args;
    }

    /** The masters (one, except on a cluster). */
    public List<RedisProcess> masters() {
        return masters;
    }

    /** A short description for reports: {@code standalone}, {@code cluster (3 masters)}, {@code sentinel}. */
    public String label() {
        return switch (kind) {
            case standalone -> "standalone";
            case cluster -> "cluster (" + masters.size() + " masters)";
            case sentinel -> "sentinel (1 master + 1 replica)";
        };
    }

    /** CPU time of every Redis process of the deployment (replica and Sentinels included), in nanoseconds. */
    public long cpuNanos() {
        long sum = 0;
        for (RedisProcess p : masters) {
            sum += ProcStats.cpuNanos(p.pid());
        }
        for (RedisProcess p : others) {
            sum += ProcStats.cpuNanos(p.pid());
        }
        return sum;
    }

    /** Calls per command since start, summed over the masters ({@link RedisProcess#commandCalls()}). */
    public Map<String, Long> commandCalls() throws IOException {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (RedisProcess p : masters) {
            p.commandCalls().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    /**
     * Counters of each master since it started, as {@code commands@<i>} ({@code INFO stats
     * total_commands_processed}) and {@code cpuMicros@<i>} ({@code INFO cpu used_cpu_sys +
     * used_cpu_user}, in microseconds), {@code i} the master's index in {@link #masters()}.
     */
    public Map<String, Long> masterCounters() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < masters.size(); i++) {
            Map<String, String> info = masters.get(i).info("everything");
            out.put("commands@" + i, Long.parseLong(info.getOrDefault("total_commands_processed", "0")));
            double cpu = Double.parseDouble(info.getOrDefault("used_cpu_sys", "0"))
                    + Double.parseDouble(info.getOrDefault("used_cpu_user", "0"));
            out.put("cpuMicros@" + i, Math.round(cpu * 1e6));
        }
        return out;
    }

    @Override
    public void close() {
        others.forEach(RedisProcess::close);
        masters.forEach(RedisProcess::close);
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 60 s (see " + log + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + " (see " + log + ")");
        }
    }

    /** A condition that may fail with an I/O error (which counts as not yet). */
    private interface Check {
        boolean holds() throws IOException;
    }

    /** Polls {@code check} every 50 ms until it holds or {@code seconds} have passed. */
    private static void awaitUntil(Check check, int seconds, String what) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + seconds + " s waiting until " + what);
            }
            try {
                Thread.sleep(50); // a poll interval, not a wait for an event
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }
}
