package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One or more server JVMs (several instances share a Redis), plus the Redis itself when there is one. */
public final class ProcessServers implements ServerHandle {

    private final String label;
    private final List<ServerProcess> processes;
    private final @Nullable RedisProcess redis;
    private final @Nullable RedisTopology topology;

    private ProcessServers(String label, List<ServerProcess> processes, @Nullable RedisProcess redis) {
        this(label, processes, redis, null);
    }

    private ProcessServers(
            String label,
            List<ServerProcess> processes,
            @Nullable RedisProcess redis,
            @Nullable RedisTopology topology) {
        this.label = label;
        this.processes = processes;
        this.redis = redis;
        this.topology = topology;
    }

    /**
     * {@code instances} socket-serve JVMs on {@code topology}, their log in {@code partitions}
     * partitions, each warmed up with {@code warmUpSessions} sessions before it is ready (-1: the
     * server's default); closing them closes the topology too.
     */
    public static ProcessServers socketServe(
            List<String> jvmFlags,
            int instances,
            RedisTopology topology,
            int partitions,
            int ioThreads,
            int warmUpSessions,
            Path logDir)
            throws IOException {
        List<ServerProcess> list = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                List<String> args = new ArrayList<>(List.of("--io-threads", Integer.toString(ioThreads)));
                args.addAll(topology.serverArgs(partitions));
                if (warmUpSessions >= 0) {
                    args.addAll(List.of("--warm-up", Integer.toString(warmUpSessions)));
                }
                list.add(ServerProcess.start(
                        jvmFlags,
                        BenchServer.class,
                        args,
                        logDir.resolve("server-" + topology.kind() + "-p" + partitions + "-" + i + ".log")));
            }
        } catch (IOException | RuntimeException e) {
            list.forEach(ServerProcess::close);
            throw e;
        }
        String label = "Redis " + topology.label() + ", P=" + partitions + ", " + instances + " instances";
        return new ProcessServers(label, list, null, topology);
    }

    /** {@code instances} socket-serve JVMs: in-memory when 1 and {@code redis} is null. */
    public static ProcessServers socketServe(
            List<String> jvmFlags, int instances, @Nullable RedisProcess redis, int ioThreads, Path logDir)
            throws IOException {
        return socketServe(jvmFlags, instances, redis, ioThreads, false, logDir);
    }

    /** As above; with {@code metrics}, each instance binds its meters and is scraped every second. */
    public static ProcessServers socketServe(
            List<String> jvmFlags,
            int instances,
            @Nullable RedisProcess redis,
            int ioThreads,
            boolean metrics,
            Path logDir)
            throws IOException {
        List<ServerProcess> list = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                List<String> args = new ArrayList<>(List.of("--io-threads", Integer.toString(ioThreads)));
                if (metrics) {
                    args.add("--metrics");
                }
                if (redis != null) {
                    args.add("--redis");
                    args.add(redis.uri());
                }
                list.add(
                        ServerProcess.start(jvmFlags, BenchServer.class, args, logDir.resolve("server-" + i + ".log")));
            }
        } catch (IOException | RuntimeException e) {
            list.forEach(ServerProcess::close);
            throw e;
        }
        String label = (redis == null
                        ? "socket-serve (in-memory)"
                        : "socket-serve (Redis, " + instances + (instances == 1 ? " instance)" : " instances)"))
                + (metrics ? ", metrics on" : "");
        return new ProcessServers(label, list, redis);
    }

    /** socket-serve in-memory through {@code SocketServeServlet} on embedded Tomcat ({@link TomcatBenchServer}). */
    public static ProcessServers tomcat(List<String> jvmFlags, int maxThreads, Path logDir) throws IOException {
        return new ProcessServers(
                "socket-serve servlet on Tomcat (in-memory)",
                List.of(ServerProcess.start(
                        jvmFlags,
                        TomcatBenchServer.class,
                        List.of("--max-threads", Integer.toString(maxThreads)),
                        logDir.resolve("tomcat.log"))),
                null);
    }

    /** The raw-Netty ceiling server. */
    public static ProcessServers ceiling(List<String> jvmFlags, int ioThreads, long flushDelayMicros, Path logDir)
            throws IOException {
        return new ProcessServers(
                flushDelayMicros > 0
                        ? "raw Netty ceiling, flush delay " + flushDelayMicros + " µs"
                        : "raw Netty ceiling",
                List.of(ServerProcess.start(
                        jvmFlags,
                        CeilingServer.class,
                        List.of(
                                "--io-threads",
                                Integer.toString(ioThreads),
                                "--flush-delay-micros",
                                Long.toString(flushDelayMicros)),
                        logDir.resolve("ceiling.log"))),
                null);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public List<InetSocketAddress> endpoints() {
        return processes.stream().map(ServerProcess::address).toList();
    }

    @Override
    public long cpuNanos() {
        long sum = 0;
        for (ServerProcess p : processes) {
            sum += ProcStats.cpuNanos(p.pid());
        }
        if (redis != null) {
            sum += ProcStats.cpuNanos(redis.pid());
        }
        if (topology != null) {
            sum += topology.cpuNanos();
        }
        return sum;
    }

    @Override
    public java.util.Map<String, Long> threadCpuNanos() {
        return ProcStats.threadCpuNanos(processes.get(0).pid());
    }

    @Override
    public long rssBytes() {
        long sum = 0;
        for (ServerProcess p : processes) {
            sum += ProcStats.rssBytes(p.pid());
        }
        return sum;
    }

    /** The Redis, if any. */
    public @Nullable RedisProcess redis() {
        return redis;
    }

    @Override
    public List<JsonNode> gc() {
        List<JsonNode> out = new ArrayList<>();
        for (ServerProcess p : processes) {
            out.add(p.command("gc"));
        }
        return out;
    }

    /** The Redis deployment started with {@link #socketServe(List, int, RedisTopology, int, int, int, Path)}, if any. */
    public @Nullable RedisTopology topology() {
        return topology;
    }

    /** Pid of instance {@code i} (0-based, in {@link #endpoints()} order). */
    public long pid(int i) {
        return processes.get(i).pid();
    }

    /** Pid of the first instance (for JFR, jcmd). */
    public long firstPid() {
        return processes.get(0).pid();
    }

    @Override
    public void close() {
        processes.forEach(ServerProcess::close);
        if (redis != null) {
            redis.close();
        }
        if (topology != null) {
            topology.close();
        }
    }
}
