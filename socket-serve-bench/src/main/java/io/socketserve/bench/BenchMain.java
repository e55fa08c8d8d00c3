package io.socketserve.bench;

import io.socketserve.bench.driver.sse.SseDriver;
import io.socketserve.bench.report.Plots;
import io.socketserve.bench.report.Tables;
import io.socketserve.bench.server.ProcessServers;
import io.socketserve.bench.server.Quiet;
import io.socketserve.bench.server.RedisProcess;
import io.socketserve.bench.workload.BroadcastWorkload;
import io.socketserve.bench.workload.ConnectStorm;
import io.socketserve.bench.workload.IdleWorkload;
import io.socketserve.bench.workload.StepResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The scenarios of {@code docs/benchmarks.md}. Every server runs in its own JVM, started here; the
 * generator is this JVM. Each command writes {@code <name>.json} and {@code <name>.md} into {@code
 * --out}.
 *
 * <pre>
 * java -jar socket-serve-bench/target/socket-serve-bench.jar fanout --subscribers 1000 --rates 100,1000
 * java -jar socket-serve-bench/target/socket-serve-bench.jar suite --img docs/img
 * </pre>
 */
@Command(
        name = "socket-serve-bench",
        mixinStandardHelpOptions = true,
        subcommands = {
            BenchMain.FanOut.class,
            BenchMain.Rooms.class,
            RedisModes.class,
            BenchMain.Storm.class,
            BenchMain.ColdStormCommand.class,
            BenchMain.Idle.class,
            BenchMain.Compression.class,
            BenchMain.Suite.class,
            BenchMain.Plot.class
        },
        description = "Load scenarios against socket-serve, its Redis mode and a raw-Netty ceiling.")
public final class BenchMain {

    private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = new CommandLine(new BenchMain()).execute(args);
        System.exit(code);
    }

    /** Options every scenario takes. */
    static final class Common {
        @Option(names = "--out", description = "results directory (default: ${DEFAULT-VALUE})")
        Path out = Path.of("target", "bench-results");

        @Option(
                names = "--server-jvm",
                split = " ",
                description = "JVM flags of server processes (default: ${DEFAULT-VALUE})")
        List<String> serverJvm = new ArrayList<>(List.of("-Xms2g", "-Xmx2g", "-XX:+UseG1GC"));

        @Option(
                names = "--server-io-threads",
                description =
                        "event-loop threads of each server, 0: Netty's default, 2 × cores (default: ${DEFAULT-VALUE})")
        int serverIoThreads;

        @Option(
                names = "--ceiling-flush-delay-micros",
                description =
                        "ceiling only: batch each loop's writes for this long (coalescing experiment; default: ${DEFAULT-VALUE})")
        long ceilingFlushDelayMicros;

        @Option(names = "--jfr", description = "record the (first) server with JFR into --out")
        boolean jfr;

        @Option(names = "--sources", description = "loopback source addresses 127.0.0.2… (default: ${DEFAULT-VALUE})")
        int sources = 16;

        @Option(names = "--gen-threads", description = "generator event-loop threads (default: ${DEFAULT-VALUE})")
        int genThreads = Runtime.getRuntime().availableProcessors();

        @Option(
                names = "--gen-quickack",
                description = "let the generator's stream connections ACK every segment at once, as the kernel"
                        + " does by default (before the generator delayed them: each ACK costs it CPU on loopback)")
        boolean genQuickAck;

        @Option(names = "--setup-concurrency", description = "sessions set up at once (default: ${DEFAULT-VALUE})")
        int setupConcurrency = 200;

        @Option(
                names = "--quiet-wait",
                description =
                        "seconds to wait for the machine to be quiet before each scenario, 0: don't (default: ${DEFAULT-VALUE})")
        long quietWait = 600;

        @Option(
                names = "--quiet-threshold",
                description = "machine CPU (%% of one core) below which it counts as quiet (default: ${DEFAULT-VALUE})")
        double quietThreshold = 25;

        @Option(
                names = "--max-other-cpu",
                description =
                        "repeat a step during which other processes used more CPU than this, %% of one core (default: ${DEFAULT-VALUE})")
        double maxOtherCpu = 30;

        @Option(
                names = "--tomcat-max-threads",
                description = "Tomcat worker pool size, 0 = Tomcat's default (default: ${DEFAULT-VALUE})")
        int tomcatMaxThreads = 0;

        @Option(
                names = "--metrics",
                split = ",",
                description =
                        "socket-serve targets: off, on, or off,on for both in one run; on binds the"
                                + " socketserve.* meters to a Prometheus registry scraped every second (default: ${DEFAULT-VALUE})")
        List<String> metrics = List.of("off");

        @Option(names = "--retries", description = "times a disturbed step may be repeated (default: ${DEFAULT-VALUE})")
        int retries = 2;

        List<String> serverFlags(String name) {
            List<String> flags = new ArrayList<>(serverJvm);
            if (jfr) {
                flags.add("-XX:StartFlightRecording=filename="
                        + out.resolve(name + ".jfr").toAbsolutePath() + ",settings=profile,dumponexit=true");
            }
            return flags;
        }

        SseDriver driver(ProcessServers servers) {
            return new SseDriver(servers.endpoints(), "/socket", sources, genThreads, !genQuickAck);
        }
    }

    /** Which server a broadcast scenario runs against. */
    enum Target {
        socketserve,
        /** The same server through SocketServeServlet on embedded Tomcat 11. */
        tomcat,
        ceiling,
        redis1,
        redis2
    }

    static ProcessServers start(Common c, Target target, String name) throws IOException {
        return start(c, target, name, false);
    }

    static ProcessServers start(Common c, Target target, String name, boolean metrics) throws IOException {
        Quiet.await(c.quietThreshold, c.quietWait);
        Path logs = c.out.resolve("logs");
        return switch (target) {
            case socketserve -> ProcessServers.socketServe(
                    c.serverFlags(name), 1, null, c.serverIoThreads, metrics, logs);
            case tomcat -> ProcessServers.tomcat(c.serverFlags(name), c.tomcatMaxThreads, logs);
            case ceiling -> ProcessServers.ceiling(
                    c.serverFlags(name), c.serverIoThreads, c.ceilingFlushDelayMicros, logs);
            case redis1, redis2 -> {
                RedisProcess redis = RedisProcess.start(logs.resolve("redis-" + name + ".log"));
                try {
                    yield ProcessServers.socketServe(
                            c.serverFlags(name),
                            target == Target.redis1 ? 1 : 2,
                            redis,
                            c.serverIoThreads,
                            metrics,
                            logs);
                } catch (IOException | RuntimeException e) {
                    redis.close();
                    throw e;
                }
            }
        };
    }

    static List<StepResult> broadcast(Common c, Target target, String name, BroadcastWorkload.Config config)
            throws Exception {
        return broadcast(c, target, name, config, false);
    }

    static List<StepResult> broadcast(
            Common c, Target target, String name, BroadcastWorkload.Config config, boolean metrics) throws Exception {
        try (ProcessServers servers = start(c, target, name, metrics);
                SseDriver driver = c.driver(servers)) {
            Supplier<Map<String, Long>> redisCommands = null;
            RedisProcess redis = servers.redis();
            if (redis != null) {
                redisCommands = () -> {
                    try {
                        return redis.commandCalls();
                    } catch (IOException e) {
                        return Map.of();
                    }
                };
            }
            List<StepResult> steps = new BroadcastWorkload(config).run(driver, servers, redisCommands);
            if (redis != null) {
                Tables.writeJson(c.out.resolve(name + "-redis-commandstats.json"), redis.commandCalls());
            }
            Tables.writeJson(c.out.resolve(name + ".json"), steps);
            String md = Tables.steps(steps) + "\n" + Tables.serverThreads(steps);
            if (redis != null) {
                md += "\n" + Tables.redisBreakdown(steps);
            }
            Tables.writeText(c.out.resolve(name + ".md"), md);
            System.out.println(md);
            return steps;
        }
    }

    @Command(
            name = "fanout",
            mixinStandardHelpOptions = true,
            description = "One room, N subscribers, one stream of broadcasts.")
    static final class FanOut implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(
                names = "--target",
                description = "socketserve, tomcat, ceiling, redis1, redis2 (default: ${DEFAULT-VALUE})")
        Target target = Target.socketserve;

        @Option(names = "--subscribers", split = ",", description = "default: ${DEFAULT-VALUE}")
        List<Integer> subscribers = List.of(1000);

        @Option(names = "--rates", split = ",", description = "msg/s steps (default: ${DEFAULT-VALUE})")
        List<Integer> rates = List.of(100, 1000);

        @Option(names = "--seconds", description = "per step (default: ${DEFAULT-VALUE})")
        double seconds = 10;

        @Option(names = "--warmup", description = "warm-up seconds (default: ${DEFAULT-VALUE})")
        double warmup = 8;

        @Option(names = "--publishers", description = "default: ${DEFAULT-VALUE}")
        int publishers = 128;

        @Option(names = "--payload", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int payload = 100;

        @Override
        public Integer call() throws Exception {
            for (int n : subscribers) {
                for (String mode : common.metrics) {
                    if (!mode.equals("on") && !mode.equals("off")) {
                        throw new IllegalArgumentException("--metrics takes off, on or off,on: " + mode);
                    }
                    fanOut(n, mode.equals("on"));
                }
            }
            return 0;
        }

        private void fanOut(int n, boolean metrics) throws Exception {
            String name = "fanout-" + target + "-" + n + (metrics ? "-metrics" : "");
            broadcast(
                    common,
                    target,
                    name,
                    new BroadcastWorkload.Config(
                            "fan-out",
                            1,
                            n,
                            rates,
                            seconds,
                            warmup,
                            publishers,
                            payload,
                            common.setupConcurrency,
                            common.maxOtherCpu,
                            common.retries),
                    metrics);
        }
    }

    @Command(name = "rooms", mixinStandardHelpOptions = true, description = "Many rooms with a few members each.")
    static final class Rooms implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(names = "--target", description = "default: ${DEFAULT-VALUE}")
        Target target = Target.socketserve;

        @Option(names = "--rooms", description = "default: ${DEFAULT-VALUE}")
        int rooms = 1000;

        @Option(names = "--members", description = "default: ${DEFAULT-VALUE}")
        int members = 10;

        @Option(names = "--rates", split = ",", description = "msg/s over all rooms (default: ${DEFAULT-VALUE})")
        List<Integer> rates = List.of(1000, 3000);

        @Option(names = "--seconds", description = "default: ${DEFAULT-VALUE}")
        double seconds = 10;

        @Option(names = "--publishers", description = "default: ${DEFAULT-VALUE}")
        int publishers = 128;

        @Override
        public Integer call() throws Exception {
            broadcast(
                    common,
                    target,
                    "rooms-" + target,
                    new BroadcastWorkload.Config(
                            "many rooms",
                            rooms,
                            members,
                            rates,
                            seconds,
                            8,
                            publishers,
                            100,
                            common.setupConcurrency,
                            common.maxOtherCpu,
                            common.retries));
            return 0;
        }
    }

    @Command(name = "storm", mixinStandardHelpOptions = true, description = "Sessions established per second.")
    static final class Storm implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(names = "--target", description = "socketserve or ceiling (default: ${DEFAULT-VALUE})")
        Target target = Target.socketserve;

        @Option(names = "--sessions", description = "default: ${DEFAULT-VALUE}")
        int sessions = 10_000;

        @Option(names = "--concurrency", description = "default: ${DEFAULT-VALUE}")
        int concurrency = 256;

        @Option(
                names = "--reuse-only",
                description = "only POST /connect over 64 keep-alive connections (no fd per session: any count)")
        boolean reuseOnly;

        @Override
        public Integer call() throws Exception {
            if (reuseOnly) {
                try (ProcessServers servers = start(common, target, "storm-reuse-" + target);
                        SseDriver driver = common.driver(servers)) {
                    ConnectStorm.runReusingConnections(driver, servers, Math.min(sessions, 10_000), 64);
                    ConnectStorm.Result r = ConnectStorm.runReusingConnections(driver, servers, sessions, 64);
                    Tables.writeJson(common.out.resolve("storm-reuse-" + target + ".json"), r);
                    System.out.println(Tables.storm(List.of(r)));
                }
                return 0;
            }
            storm(common, target, sessions, concurrency);
            return 0;
        }
    }

    @Command(
            name = "coldstorm",
            mixinStandardHelpOptions = true,
            description = "Issue 16: a server process starts and every client sets up at once (connect, stream, join,"
                    + " one broadcast); --resume: clients come back to a fresh instance with Last-Event-ID (Redis).")
    static final class ColdStormCommand implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(names = "--redis", description = "Redis backend (a redis-server of its own on a free port)")
        boolean redis;

        @Option(names = "--resume", description = "the resume storm (implies --redis)")
        boolean resume;

        @Option(names = "--redis-partitions", description = "the log's partitions on Redis (default: ${DEFAULT-VALUE})")
        int redisPartitions = 1;

        @Option(names = "--sessions", description = "default: ${DEFAULT-VALUE}")
        int sessions = 10_000;

        @Option(names = "--rooms", description = "default: ${DEFAULT-VALUE}")
        int rooms = 100;

        @Option(names = "--concurrency", description = "set-ups in flight (default: ${DEFAULT-VALUE})")
        int concurrency = 64;

        @Option(names = "--away-messages", description = "resume: broadcasts while away (default: ${DEFAULT-VALUE})")
        int awayMessages = 200;

        @Option(
                names = "--warm-up",
                description = "the server's warm-up sessions before READY, 0: none (default: ${DEFAULT-VALUE})")
        int warmUp = io.socketserve.netty.EmbeddedServer.DEFAULT_WARM_UP_SESSIONS;

        @Option(names = "--runs", description = "repetitions, each with a fresh server (default: ${DEFAULT-VALUE})")
        int runs = 1;

        @Option(
                names = "--generator-warm-up",
                description = "set-ups the generator runs first against a throwaway in-memory server (its own JIT"
                        + " warm-up; not measured), 0: none (default: ${DEFAULT-VALUE})")
        int generatorWarmUp = 3_000;

        @Override
        public Integer call() throws Exception {
            boolean onRedis = redis || resume;
            String name = "coldstorm-" + (resume ? "resume" : onRedis ? "redis" : "memory") + "-" + sessions;
            List<io.socketserve.bench.workload.ColdStorm.Result> results = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                Quiet.await(common.quietThreshold, common.quietWait);
                io.socketserve.bench.workload.ColdStorm.Result r =
                        io.socketserve.bench.workload.ColdStorm.run(new io.socketserve.bench.workload.ColdStorm.Config(
                                onRedis,
                                resume,
                                sessions,
                                rooms,
                                concurrency,
                                awayMessages,
                                warmUp,
                                common.serverFlags(name),
                                common.sources,
                                common.genThreads,
                                common.out.resolve("logs"),
                                generatorWarmUp,
                                common.serverIoThreads,
                                redisPartitions));
                results.add(r);
                System.out.println(Tables.coldStorm(List.of(r)));
            }
            Tables.writeJson(common.out.resolve(name + ".json"), results);
            Tables.writeText(common.out.resolve(name + ".md"), Tables.coldStorm(results));
            System.out.println(Tables.coldStorm(results));
            return 0;
        }
    }

    static List<ConnectStorm.Result> storm(Common c, Target target, int sessions, int concurrency) throws Exception {
        String name = "storm-" + target;
        try (ProcessServers servers = start(c, target, name);
                SseDriver driver = c.driver(servers)) {
            // Warm-ups (JIT), then storms long enough to be measured in seconds. At most 15,000 streams
            // stay open (the process file-descriptor limit here is 20,000).
            ConnectStorm.run(driver, servers, Math.min(10_000, sessions), concurrency, 0);
            ConnectStorm.Result r = ConnectStorm.run(driver, servers, sessions, concurrency, 15_000);
            ConnectStorm.runReusingConnections(driver, servers, Math.min(10_000, sessions), 64);
            ConnectStorm.Result reuse = ConnectStorm.runReusingConnections(driver, servers, 3 * sessions, 64);
            List<ConnectStorm.Result> both = List.of(r, reuse);
            Tables.writeJson(c.out.resolve(name + ".json"), both);
            Tables.writeText(c.out.resolve(name + ".md"), Tables.storm(both));
            System.out.println(Tables.storm(both));
            return both;
        }
    }

    @Command(
            name = "compression",
            mixinStandardHelpOptions = true,
            description = "What gzip saves on polling answers, and what compressing SSE frames would save and cost.")
    static final class Compression implements Callable<Integer> {
        @Option(names = "--messages", description = "chat messages in the room (default: ${DEFAULT-VALUE})")
        int messages = 500;

        @Option(names = "--out", description = "result directory (default: ${DEFAULT-VALUE})")
        Path out = Path.of("bench-results");

        @Override
        public Integer call() throws Exception {
            List<io.socketserve.bench.workload.CompressionWorkload.Row> rows =
                    io.socketserve.bench.workload.CompressionWorkload.run(messages);
            java.nio.file.Files.createDirectories(out);
            Tables.writeJson(out.resolve("compression.json"), rows);
            String table = io.socketserve.bench.workload.CompressionWorkload.table(rows);
            Tables.writeText(out.resolve("compression.md"), table);
            System.out.println(table);
            return 0;
        }
    }

    @Command(name = "idle", mixinStandardHelpOptions = true, description = "Heap and RSS per idle SSE session.")
    static final class Idle implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(names = "--target", description = "socketserve, tomcat or ceiling (default: ${DEFAULT-VALUE})")
        Target target = Target.socketserve;

        @Option(names = "--sizes", split = ",", description = "default: ${DEFAULT-VALUE}")
        List<Integer> sizes = List.of(1000, 10_000, 19_000);

        @Override
        public Integer call() throws Exception {
            idle(common, target, sizes);
            return 0;
        }
    }

    static List<IdleWorkload.Result> idle(Common c, Target target, List<Integer> sizes) throws Exception {
        String name = "idle-" + target;
        // A pre-touched heap: RSS then no longer grows with heap use, and what it gains is off-heap.
        List<String> saved = c.serverJvm;
        c.serverJvm = new ArrayList<>(saved);
        c.serverJvm.add("-XX:+AlwaysPreTouch");
        try (ProcessServers servers = start(c, target, name);
                SseDriver driver = c.driver(servers)) {
            List<IdleWorkload.Result> r = IdleWorkload.run(driver, servers, sizes, c.setupConcurrency);
            Tables.writeJson(c.out.resolve(name + ".json"), r);
            Tables.writeText(c.out.resolve(name + ".md"), Tables.idle(r));
            System.out.println(Tables.idle(r));
            return r;
        } finally {
            c.serverJvm = saved;
        }
    }

    @Command(
            name = "plot",
            mixinStandardHelpOptions = true,
            description = "Delivered vs offered from saved step results (JSON written by the other commands).")
    static final class Plot implements Callable<Integer> {
        @Option(names = "--series", required = true, description = "label=results.json, repeatable")
        Map<String, Path> series = new LinkedHashMap<>();

        @Option(names = "--title", description = "default: ${DEFAULT-VALUE}")
        String title = "delivered vs offered";

        @Option(names = "--png", required = true)
        Path png;

        @Override
        public Integer call() throws Exception {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            Map<String, List<Plots.Point>> lines = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : series.entrySet()) {
                List<Plots.Point> pts = new ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode step :
                        json.readTree(e.getValue().toFile())) {
                    pts.add(new Plots.Point(
                            step.path("offeredPerSec").asDouble(),
                            step.path("deliveredPerSec").asDouble()));
                }
                lines.put(e.getKey(), pts);
            }
            Plots.deliveredVsOffered(title, lines, png);
            return 0;
        }
    }

    @Command(
            name = "suite",
            mixinStandardHelpOptions = true,
            description = "Every scenario at the sizes of docs/benchmarks.md, tables and plots.")
    static final class Suite implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Option(names = "--img", description = "where the PNG plots go (default: ${DEFAULT-VALUE})")
        Path img = Path.of("docs", "img");

        @Option(names = "--seconds", description = "per step (default: ${DEFAULT-VALUE})")
        double seconds = 8;

        @Option(names = "--max-subscribers", description = "largest fan-out (default: ${DEFAULT-VALUE})")
        int maxSubscribers = 19_000;

        @Option(
                names = "--only",
                split = ",",
                description = "run only these parts: fanout, sweep, ceiling, rooms, storm, idle, redis")
        List<String> only = List.of();

        @Option(
                names = "--sweep-rates",
                split = ",",
                description = "saturation sweep at 1,000 subscribers (default: ${DEFAULT-VALUE})")
        List<Integer> sweepRates = List.of(100, 250, 500, 1000, 1500, 2000, 3000);

        boolean wants(String part) {
            return only.isEmpty() || only.contains(part);
        }

        @Override
        public Integer call() throws Exception {
            Map<String, Object> all = new LinkedHashMap<>();
            Map<String, List<Plots.Point>> sweep = new LinkedHashMap<>();
            Map<String, Histogram> curves = new LinkedHashMap<>();
            StringBuilder md = new StringBuilder();
            if (wants("fanout")) {
                List<StepResult> fan = new ArrayList<>();
                fan.addAll(run("fanout-100", Target.socketserve, 1, 100, List.of(100, 1000)));
                fan.addAll(run("fanout-5000", Target.socketserve, 1, 5000, List.of(20, 50, 100)));
                fan.addAll(run("fanout-" + maxSubscribers, Target.socketserve, 1, maxSubscribers, List.of(5, 10)));
                addCurves(curves, "", fan);
                md.append("## fan-out\n\n")
                        .append(Tables.steps(fan) + "\n" + Tables.serverThreads(fan))
                        .append('\n');
                all.put("fanout", fan);
            }
            if (wants("sweep")) {
                List<StepResult> s = run("sweep-socketserve", Target.socketserve, 1, 1000, sweepRates);
                sweep.put("socket-serve (in-memory)", points(s));
                addCurves(curves, "", s);
                md.append("## saturation, 1,000 subscribers\n\n")
                        .append(Tables.steps(s) + "\n" + Tables.serverThreads(s))
                        .append('\n');
                all.put("sweep", s);
            }
            if (wants("ceiling")) {
                List<StepResult> s = run("sweep-ceiling", Target.ceiling, 1, 1000, sweepRates);
                sweep.put("raw Netty ceiling", points(s));
                addCurves(curves, "ceiling: ", s.subList(0, 1));
                md.append("## ceiling, 1,000 subscribers\n\n")
                        .append(Tables.steps(s) + "\n" + Tables.serverThreads(s))
                        .append('\n');
                all.put("ceiling", s);
            }
            if (wants("redis")) {
                List<StepResult> r1 = run("redis-1", Target.redis1, 1, 1000, List.of(100, 1000, 2000));
                List<StepResult> r2 = run("redis-2", Target.redis2, 1, 1000, List.of(100, 1000, 2000));
                sweep.put("socket-serve (Redis, 1 instance)", points(r1));
                sweep.put("socket-serve (Redis, 2 instances)", points(r2));
                addCurves(curves, "Redis ×1: ", r1.subList(0, 1));
                addCurves(curves, "Redis ×2: ", r2.subList(0, 1));
                List<StepResult> both = new ArrayList<>(r1);
                both.addAll(r2);
                md.append("## Redis fan-out, 1,000 subscribers\n\n")
                        .append(Tables.steps(both) + "\n" + Tables.serverThreads(both))
                        .append('\n');
                all.put("redis", both);
            }
            if (wants("rooms")) {
                List<StepResult> s = run("rooms", Target.socketserve, 1000, 10, List.of(1000, 3000));
                addCurves(curves, "1000 rooms × 10: ", s);
                md.append("## many rooms\n\n")
                        .append(Tables.steps(s) + "\n" + Tables.serverThreads(s))
                        .append('\n');
                all.put("rooms", s);
            }
            if (wants("storm")) {
                List<ConnectStorm.Result> s = new ArrayList<>(storm(common, Target.socketserve, 30_000, 256));
                s.addAll(storm(common, Target.ceiling, 30_000, 256));
                md.append("## connect storm\n\n").append(Tables.storm(s)).append('\n');
                all.put("storm", s);
            }
            if (wants("idle")) {
                List<IdleWorkload.Result> s =
                        new ArrayList<>(idle(common, Target.socketserve, List.of(1000, 10_000, 19_000)));
                s.addAll(idle(common, Target.ceiling, List.of(1000, 10_000, 19_000)));
                md.append("## idle sessions\n\n").append(Tables.idle(s)).append('\n');
                all.put("idle", s);
            }
            if (!curves.isEmpty()) {
                Plots.latencyCurve(
                        "latency, send → receive (steps below saturation)",
                        curves,
                        img.resolve("latency-percentiles.png"));
            }
            if (!sweep.isEmpty()) {
                Plots.deliveredVsOffered(
                        "1,000 subscribers: delivered vs offered", sweep, img.resolve("delivered-vs-offered.png"));
            }
            Tables.writeJson(common.out.resolve("suite.json"), all);
            Tables.writeText(common.out.resolve("suite.md"), md.toString());
            System.out.println(md);
            return 0;
        }

        private List<StepResult> run(String name, Target target, int rooms, int members, List<Integer> rates)
                throws Exception {
            String scenario = rooms > 1 ? "many rooms" : "fan-out";
            return broadcast(
                    common,
                    target,
                    name,
                    new BroadcastWorkload.Config(
                            scenario,
                            rooms,
                            members,
                            rates,
                            seconds,
                            8,
                            128,
                            100,
                            common.setupConcurrency,
                            common.maxOtherCpu,
                            common.retries));
        }

        /** Latency curves of the steps that were not saturated (a saturated step's latency is its backlog). */
        private static void addCurves(Map<String, Histogram> curves, String prefix, List<StepResult> steps) {
            for (StepResult s : steps) {
                if (s.unsent() == 0 && s.deliveredPerSec() >= 0.97 * s.offeredPerSec() && s.histogram() != null) {
                    String what = s.rooms() > 1
                            ? s.rate() + " msg/s"
                            : String.format(java.util.Locale.ROOT, "%,d subs × %,d msg/s", s.subscribers(), s.rate());
                    curves.put(prefix + what, s.histogram());
                }
            }
        }

        private static List<Plots.Point> points(List<StepResult> steps) {
            return steps.stream()
                    .map(s -> new Plots.Point(s.offeredPerSec(), s.deliveredPerSec()))
                    .toList();
        }
    }
}
