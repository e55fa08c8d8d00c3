package io.socketserve.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster for integration tests: {@code masters} masters with one replica each (default
 * 3 + 3), each a {@code redis-server --cluster-enabled yes} child process on a free loopback port
 * picked at run time (the port and the cluster bus port, port + 10000, both free), joined with
 * {@code redis-cli --cluster create … --cluster-replicas 1}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterProcesses cluster = new RedisClusterProcesses();
 *
 * @Test
 * void followsAFailover() {
 *     int master = cluster.masterFor("{ss}:seq");
 *     cluster.killMaster(master);                          // SIGKILL
 *     int promoted = cluster.awaitPromotion(slot, master, Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>As an extension it starts before all tests of the class and stops after them. Nodes run without
 * persistence; {@link #close()} kills them all and deletes their directories (a shutdown hook does
 * too); {@code @Nested} classes of the class share the one cluster. {@link #reshardSlot} migrates one slot live, key by key, as {@code redis-cli --cluster
 * reshard} does. The binaries are {@code redis-server} and {@code redis-cli} on the {@code PATH}
 * (or the system property / environment variable {@code REDIS_SERVER}, {@code redis-cli} beside it).
 */
public final class RedisClusterProcesses implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_PORT = 65535 - 10000;

    private final int masters;
    private final int nodeTimeoutMillis;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final List<Integer> ports = new ArrayList<>();
    private Path dir;

    /** 3 masters + 3 replicas, {@code cluster-node-timeout} 2000 ms. */
    public RedisClusterProcesses() {
        this(3, 2000);
    }

    public RedisClusterProcesses(int masters, int nodeTimeoutMillis) {
        if (masters < 3) {
            throw new IllegalArgumentException("a Redis Cluster needs at least 3 masters: " + masters);
        }
        this.masters = masters;
        this.nodeTimeoutMillis = nodeTimeoutMillis;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "redis-cluster-processes-reaper"));
    }

    /** The {@code cluster-node-timeout} of every node, in milliseconds. */
    public int nodeTimeoutMillis() {
        return nodeTimeoutMillis;
    }

    /** Starts every node, creates the cluster and waits until every node says {@code cluster_state:ok}. */
    public synchronized RedisClusterProcesses start() {
        if (!processes.isEmpty()) {
            return this;
        }
        try {
            dir = Files.createTempDirectory("redis-cluster-");
            Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < masters * 2; i++) {
                int port = freePortPair(taken);
                taken.add(port);
                ports.add(port);
                Process p = launch(port);
                processes.put(port, p);
            }
        } catch (IOException e) {
            close();
            throw new IllegalStateException("cannot run redis-server (install redis-server, or set REDIS_SERVER)", e);
        }
        try {
            int relaunches = 0;
            for (int i = 0; i < ports.size(); i++) {
                int port = ports.get(i);
                await(
                        () -> "PONG".equals(tryCommand(port, "PING"))
                                || !processes.get(port).isAlive(),
                        STARTUP_TIMEOUT,
                        "node " + port + " answers PING");
                if (!processes.get(port).isAlive()) { // its port was taken meanwhile: another pair
                    if (++relaunches > 5) {
                        throw new IllegalStateException("node " + port + " exited at start");
                    }
                    int again = freePortPair(new HashSet<>(ports));
                    processes.remove(port);
                    ports.set(i, again);
                    try {
                        processes.put(again, launch(again));
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot run redis-server", e);
                    }
                    i--;
                }
            }
            List<String> create = new ArrayList<>(List.of(binary("redis-cli"), "--cluster", "create"));
            ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            run(create);
            await(
                    () -> ports.stream().allMatch(p -> {
                        String info = String.valueOf(tryCommand(p, "CLUSTER", "INFO"));
                        return info.contains("cluster_state:ok")
                                && info.contains("cluster_slots_ok:16384")
                                && info.contains("cluster_known_nodes:" + ports.size());
                    }),
                    STARTUP_TIMEOUT,
                    "every node says cluster_state:ok");
            // every replica attached and in sync, so that a killed master has a replica to promote
            await(
                    () -> ports.stream().filter(p -> !isMaster(p)).count() == masters
                            && ports.stream().filter(p -> !isMaster(p)).allMatch(p -> String.valueOf(
                                            tryCommand(p, "INFO", "replication"))
                                    .contains("master_link_status:up")),
                    STARTUP_TIMEOUT,
                    "every replica in sync");
        } catch (RuntimeException e) {
            String logs = logs();
            close();
            throw new IllegalStateException(e.getMessage() + "\n" + logs, e);
        }
        return this;
    }

    /** {@code redis://127.0.0.1:<port>} of every node started (masters and replicas, dead or alive). */
    public synchronized List<String> seedUris() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    /** The ports of the nodes that are running. */
    public synchronized List<Integer> livePorts() {
        return ports.stream()
                .filter(p -> processes.containsKey(p) && processes.get(p).isAlive())
                .toList();
    }

    /**
     * Starts the killed node on {@code port} again, with its cluster configuration: it rejoins the
     * cluster (a master that lost its slots to a promoted replica comes back as that one's replica)
     * with an empty data set. Waits until every node says {@code cluster_state:ok} and, if it came
     * back as a replica, until it is in sync.
     */
    public synchronized void restartNode(int port) {
        Process old = processes.get(port);
        if (old == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        if (old.isAlive()) {
            return;
        }
        try {
            processes.put(port, launch(port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart node " + port, e);
        }
        await(() -> "PONG".equals(tryCommand(port, "PING")), STARTUP_TIMEOUT, "node " + port + " answers PING");
        await(
                () -> livePorts().stream().allMatch(p -> String.valueOf(tryCommand(p, "CLUSTER", "INFO"))
                                .contains("cluster_state:ok"))
                        && (isMaster(port)
                                ? masterOfAnySlotIs(port)
                                : String.valueOf(tryCommand(port, "INFO", "replication"))
                                        .contains("master_link_status:up")),
                STARTUP_TIMEOUT,
                "node " + port + " is back in the cluster");
    }

    private boolean masterOfAnySlotIs(int port) {
        Object reply = tryCommand(port, "CLUSTER", "SLOTS");
        return reply instanceof List<?> ranges
                && ranges.stream().anyMatch(r -> ((Long) ((List<?>) ((List<?>) r).get(2)).get(1)) == port);
    }

    private Process launch(int port) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
        return new ProcessBuilder(List.of(
                        binary("redis-server"),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        Integer.toString(nodeTimeoutMillis),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--repl-diskless-sync-delay",
                        "0",
                        "--enable-debug-command",
                        "local",
                        "--daemonize",
                        "no",
                        "--dir",
                        nodeDir.toString(),
                        "--logfile",
                        ""))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        nodeDir.resolve("redis.log").toFile()))
                .start();
    }

    /** The port of the master that serves {@code slot}, as a live node's {@code CLUSTER SLOTS} says. */
    public int masterOfSlot(int slot) {
        for (int port : livePorts()) {
            Object reply = tryCommand(port, "CLUSTER", "SLOTS");
            if (!(reply instanceof List<?> ranges)) {
                continue;
            }
            for (Object r : ranges) {
                List<?> range = (List<?>) r;
                long from = (Long) range.get(0);
                long to = (Long) range.get(1);
                if (slot >= from && slot <= to) {
                    return ((Long) ((List<?>) range.get(2)).get(1)).intValue();
                }
            }
        }
        throw new IllegalStateException("no live node knows a master for slot " + slot);
    }

    /** The port of the master that serves {@code key}'s slot. */
    public int masterFor(String key) {
        return masterOfSlot(slot(key));
    }

    /** The slot of {@code key} ({@code CLUSTER KEYSLOT} on a live node). */
    public int slot(String key) {
        for (int port : livePorts()) {
            Object reply = tryCommand(port, "CLUSTER", "KEYSLOT", key);
            if (reply instanceof Long slot) {
                return slot.intValue();
            }
        }
        throw new IllegalStateException("no live node answers CLUSTER KEYSLOT");
    }

    /** The port of a live replica of the master on {@code masterPort}. */
    public int replicaOf(int masterPort) {
        String id = nodeId(masterPort);
        for (int port : livePorts()) {
            String info = String.valueOf(tryCommand(port, "INFO", "replication"));
            if (info.contains("role:slave") && info.contains("master_port:" + masterPort + "\r")) {
                return port;
            }
        }
        throw new IllegalStateException("no live replica of " + masterPort + " (" + id + ")");
    }

    /**
     * Sends {@code DEBUG SLEEP} to the node on {@code port} and returns once it is sent: the node
     * then stops serving anything, replication and cluster bus included, for {@code duration}.
     */
    public void sleepNode(int port, Duration duration) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            String seconds = String.format(java.util.Locale.ROOT, "%.3f", duration.toMillis() / 1000.0);
            s.getOutputStream().write(("DEBUG SLEEP " + seconds + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            Thread reader = new Thread(
                    () -> {
                        try (s) {
                            s.setSoTimeout((int) duration.toMillis() + 10_000);
                            s.getInputStream().read();
                        } catch (IOException e) {
                            // the node died meanwhile
                        }
                    },
                    "redis-sleep-" + port);
            reader.setDaemon(true);
            reader.start();
        } catch (IOException e) {
            throw new IllegalStateException("node " + port + " unreachable", e);
        }
    }

    /** The ports of the live masters. */
    public List<Integer> masterPorts() {
        return livePorts().stream().filter(this::isMaster).toList();
    }

    /** Kills the node on {@code port} with SIGKILL, as a crash would, and waits for it to be gone. */
    public synchronized void killMaster(int port) {
        Process p = processes.get(port);
        if (p == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until a live node other than {@code deadPort} serves {@code slot} as master and the live
     * nodes say {@code cluster_state:ok}; returns its port.
     */
    public int awaitPromotion(int slot, int deadPort, Duration timeout) {
        int[] promoted = {-1};
        await(
                () -> {
                    try {
                        int m = masterOfSlot(slot);
                        if (m == deadPort || !livePorts().contains(m)) {
                            return false;
                        }
                        promoted[0] = m;
                        return livePorts().stream().allMatch(p -> String.valueOf(tryCommand(p, "CLUSTER", "INFO"))
                                .contains("cluster_state:ok"));
                    } catch (IllegalStateException e) {
                        return false;
                    }
                },
                timeout,
                "a replica is promoted for slot " + slot);
        return promoted[0];
    }

    /**
     * Migrates {@code slot} live to the master on {@code toPort}, as {@code redis-cli --cluster
     * reshard} does: {@code CLUSTER SETSLOT … IMPORTING} on the target, {@code … MIGRATING} on the
     * source, {@code MIGRATE} of its keys in batches, then {@code CLUSTER SETSLOT … NODE} on both and
     * on every other master. Commands for the slot keep working throughout ({@code ASK} redirects
     * while keys move, {@code MOVED} after).
     */
    public void reshardSlot(int slot, int toPort) {
        int fromPort = masterOfSlot(slot);
        if (fromPort == toPort) {
            return;
        }
        String fromId = nodeId(fromPort);
        String toId = nodeId(toPort);
        expectOk(command(toPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", fromId));
        expectOk(command(fromPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", toId));
        while (true) {
            List<?> keys = (List<?>) command(fromPort, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "100");
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(
                    List.of("MIGRATE", "127.0.0.1", Integer.toString(toPort), "", "0", "5000", "REPLACE", "KEYS"));
            keys.forEach(k -> migrate.add((String) k));
            Object reply = command(fromPort, migrate.toArray(String[]::new));
            if (!"OK".equals(reply) && !"NOKEY".equals(reply)) {
                throw new IllegalStateException("MIGRATE failed: " + reply);
            }
        }
        expectOk(command(toPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId));
        expectOk(command(fromPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId));
        for (int m : masterPorts()) {
            if (m != toPort && m != fromPort) {
                command(m, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId);
            }
        }
        await(
                () -> livePorts().stream().allMatch(p -> {
                    try {
                        return masterOfSlotSeenBy(p, slot) == toPort;
                    } catch (RuntimeException e) {
                        return false;
                    }
                }),
                Duration.ofSeconds(10),
                "every node sees slot " + slot + " on " + toPort);
    }

    /** {@code FLUSHALL} on every live master. */
    public void flushAll() {
        for (int m : masterPorts()) {
            tryCommand(m, "FLUSHALL");
        }
    }

    /**
     * Sends one command to the node on {@code port} and returns its reply: a {@code String} (simple
     * or bulk), a {@code Long}, a {@code List}, {@code null}, or an {@link IllegalStateException}
     * for an error reply or an unreachable node.
     */
    public Object command(int port, String... args) {
        Object reply = tryCommand(port, args);
        if (reply instanceof RedisError e) {
            throw new IllegalStateException("node " + port + ": " + String.join(" ", args) + ": " + e.message());
        }
        if (reply == UNREACHABLE) {
            throw new IllegalStateException("node " + port + " unreachable");
        }
        return reply;
    }

    /** Like {@link #command} but returns error replies as {@link RedisError}, and a placeholder if unreachable. */
    public Object tryCommand(int port, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream cmd = new ByteArrayOutputStream();
            cmd.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                cmd.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                cmd.writeBytes(b);
                cmd.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(cmd.toByteArray());
            out.flush();
            return readReply(new BufferedInputStream(s.getInputStream()));
        } catch (IOException e) {
            return UNREACHABLE;
        }
    }

    /** An error reply. */
    public record RedisError(String message) {}

    private static final Object UNREACHABLE = new Object() {
        @Override
        public String toString() {
            return "(unreachable)";
        }
    };

    /** Starts the cluster for the test class; {@code @Nested} classes inherit it (and this callback). */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (!context.getRequiredTestClass().isAnnotationPresent(Nested.class)) {
            start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getRequiredTestClass().isAnnotationPresent(Nested.class)) {
            close();
        }
    }

    /** Kills every node and deletes their directories. */
    @Override
    public synchronized void close() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        ports.clear();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // best effort: a temp dir left behind
            }
            dir = null;
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    private boolean isMaster(int port) {
        Object info = tryCommand(port, "INFO", "replication");
        return String.valueOf(info).contains("role:master");
    }

    private int masterOfSlotSeenBy(int port, int slot) {
        Object reply = command(port, "CLUSTER", "SLOTS");
        for (Object r : (List<?>) reply) {
            List<?> range = (List<?>) r;
            if (slot >= (Long) range.get(0) && slot <= (Long) range.get(1)) {
                return ((Long) ((List<?>) range.get(2)).get(1)).intValue();
            }
        }
        return -1;
    }

    private String nodeId(int port) {
        return ((String) command(port, "CLUSTER", "MYID")).trim();
    }

    private static void expectOk(Object reply) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("expected OK, got " + reply);
        }
    }

    private static Object readReply(InputStream in) throws IOException {
        int type = in.read();
        if (type == -1) {
            throw new IOException("connection closed");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n);
                in.readNBytes(2);
                return new String(b, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(readReply(in));
                }
                return out;
            }
            default:
                throw new IOException("unexpected reply type " + (char) type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis-cli.log").toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed: " + Files.readString(dir.resolve("redis-cli.log")));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String logs() {
        StringBuilder out = new StringBuilder();
        if (dir == null) {
            return "";
        }
        for (int port : ports) {
            try {
                String log = Files.readString(dir.resolve(port + "/redis.log"));
                out.append("--- node ").append(port).append('\n');
                out.append(log, Math.max(0, log.length() - 2000), log.length());
            } catch (IOException | RuntimeException e) {
                // no log
            }
        }
        return out.toString();
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // poll interval
        }
    }

    private static String binary(String name) {
        String configured = System.getProperty("REDIS_SERVER", System.getenv("REDIS_SERVER"));
        if (configured != null && !configured.isBlank()) {
            File server = new File(configured);
            return name.equals("redis-server") ? configured : new File(server.getParentFile(), name).getPath();
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return name;
    }

    /**
     * A free loopback port whose cluster bus port (port + 10000) is free too. Both are taken below
     * the kernel's ephemeral port range when it leaves room ({@code 10000 ≤ port < low − 10000}), so
     * that an outgoing connection cannot grab the bus port between this check and the node's start;
     * otherwise from ports the system hands out, at most {@value #MAX_PORT}.
     */
    private static int freePortPair(Set<Integer> taken) {
        int low = ephemeralLow();
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port;
            if (low - 10000 > 10000 + 100) {
                port = 10000 + random.nextInt(low - 10000 - 10000);
            } else {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = s.getLocalPort();
                } catch (IOException e) {
                    throw new IllegalStateException("no free port", e);
                }
            }
            if (port > MAX_PORT
                    || taken.contains(port)
                    || taken.contains(port + 10000)
                    || taken.contains(port - 10000)) {
                continue;
            }
            if (bindable(port) && bindable(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) found");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range ({@code 32768} when it cannot be read). */
    private static int ephemeralLow() {
        try {
            // not Files.readString: on JDK 17 it reads a procfs file's first byte only
            String range;
            try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
                range = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
