package io.socketserve.redis.testing;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Sentinel setup for integration tests: one master, one replica and three {@code
 * redis-server --sentinel} processes (quorum 2), every one on a free loopback port picked at run
 * time, in its own temporary directory, without persistence.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisSentinelProcesses sentinel = new RedisSentinelProcesses();
 *
 * @Test
 * void followsTheMaster() {
 *     Backend b = RedisBackend.create(sentinel.sentinelUri("mymaster"));
 *     int old = sentinel.killMaster();                        // SIGKILL
 *     int promoted = sentinel.awaitFailover(Duration.ofSeconds(20));
 * }
 * }</pre>
 *
 * <p>The Sentinels declare the master down after {@link #DOWN_AFTER} and use {@link
 * #FAILOVER_TIMEOUT} as failover timeout (a Sentinel whose election failed tries again after twice
 * that). As an extension it starts before all tests of the class and stops after them; it can also be
 * used by hand ({@link #start()}, {@link #close()}). Everything is killed and deleted on {@link
 * #close()}, and on JVM exit if close was not called. The binary is {@code redis-server} on the
 * {@code PATH}, or the system property / environment variable {@code REDIS_SERVER}.
 */
public final class RedisSentinelProcesses implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** The name the Sentinels monitor the master by. */
    public static final String MASTER_ID = "mymaster";

    /** {@code sentinel down-after-milliseconds}. */
    public static final Duration DOWN_AFTER = Duration.ofMillis(1_000);

    /** {@code sentinel failover-timeout}. */
    public static final Duration FAILOVER_TIMEOUT = Duration.ofMillis(2_000);

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final int SENTINELS = 3;

    private final List<Node> servers = new ArrayList<>();
    private final List<Node> sentinels = new ArrayList<>();
    private final Thread reaper = new Thread(this::destroy, "redis-sentinel-processes-reaper");
    private boolean hookAdded;
    private int failingOver;

    /** The processes, not started yet; ports are picked by {@link #start()}. */
    public RedisSentinelProcesses() {}

    /** A process of the setup: its port, directory and (while running) process. */
    private static final class Node {
        final String name;
        final int port;
        final Path dir;
        Process process;

        Node(String name, int port, Path dir) {
            this.name = name;
            this.port = port;
            this.dir = dir;
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        String log() {
            try {
                String text = Files.readString(dir.resolve(name + ".log"));
                return text.length() > 4_000 ? "…" + text.substring(text.length() - 4_000) : text;
            } catch (IOException | RuntimeException e) {
                return "(no log)";
            }
        }
    }

    /**
     * Starts master, replica and Sentinels, and waits until the replica is in sync and every Sentinel
     * knows the replica and the two other Sentinels (so that a failover can happen).
     */
    public synchronized RedisSentinelProcesses start() {
        if (!servers.isEmpty()) {
            return this;
        }
        if (!hookAdded) {
            Runtime.getRuntime().addShutdownHook(reaper);
            hookAdded = true;
        }
        try {
            int[] ports = freePorts(2 + SENTINELS);
            Node master = node("master", ports[0]);
            Node replica = node("replica", ports[1]);
            servers.add(master);
            servers.add(replica);
            launch(master, serverArgs(master));
            List<String> replicaArgs = new ArrayList<>(serverArgs(replica));
            replicaArgs.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port)));
            launch(replica, replicaArgs);
            awaitUntil(
                    () -> info(replica.port, "replication").contains("master_link_status:up"),
                    STARTUP_TIMEOUT,
                    () -> "replica did not sync with the master: " + replica.log());
            for (int i = 0; i < SENTINELS; i++) {
                Node s = node("sentinel" + (i + 1), ports[2 + i]);
                sentinels.add(s);
                Files.writeString(s.dir.resolve("sentinel.conf"), sentinelConfig(s.port, master.port));
                launch(s, List.of(binary(), s.dir.resolve("sentinel.conf").toString(), "--sentinel"));
            }
            for (Node s : sentinels) {
                awaitUntil(
                        () -> {
                            List<String> m = strings(command(s.port, "SENTINEL", "MASTER", MASTER_ID));
                            return "1".equals(field(m, "num-slaves")) && "2".equals(field(m, "num-other-sentinels"));
                        },
                        STARTUP_TIMEOUT,
                        () -> s.name + " did not discover the replica and the other Sentinels: " + s.log());
            }
            return this;
        } catch (IOException e) {
            destroy();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            destroy();
            throw e;
        }
    }

    /**
     * {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3#masterId}: the Sentinels of this
     * setup, asked for the master {@code masterId} ({@link #MASTER_ID} is the one they monitor).
     */
    public synchronized String sentinelUri(String masterId) {
        if (sentinels.isEmpty()) {
            throw new IllegalStateException("not started");
        }
        List<String> hosts = new ArrayList<>();
        for (Node s : sentinels) {
            hosts.add("127.0.0.1:" + s.port);
        }
        return "redis-sentinel://" + String.join(",", hosts) + "#" + masterId;
    }

    /** {@link #sentinelUri(String)} of {@link #MASTER_ID}. */
    public String sentinelUri() {
        return sentinelUri(MASTER_ID);
    }

    /** The ports of the Sentinels. */
    public synchronized List<Integer> sentinelPorts() {
        return sentinels.stream().map(s -> s.port).toList();
    }

    /** The port of the master as the first Sentinel that answers reports it ({@code SENTINEL get-master-addr-by-name}). */
    public int masterPort() {
        for (int port : sentinelPorts()) {
            Integer p = reportedMaster(port);
            if (p != null) {
                return p;
            }
        }
        throw new IllegalStateException("no Sentinel reports a master for " + MASTER_ID);
    }

    /** The port of the server that is not the master (running or not). */
    public synchronized int replicaPort() {
        int master = masterPort();
        return servers.stream().filter(n -> n.port != master).findFirst().orElseThrow().port;
    }

    /** Kills the current master with SIGKILL, as a crash would, and waits for it to be gone; its port. */
    public synchronized int killMaster() {
        int port = masterPort();
        Node master = server(port);
        failingOver = port;
        master.process.destroyForcibly();
        try {
            if (!master.process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("master on port " + port + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return port;
    }

    /**
     * Asks a Sentinel to fail over now ({@code SENTINEL FAILOVER}), the master still running: the
     * replica is promoted and the old master becomes its replica once the Sentinels reconfigure it
     * (which, by Sentinel's design, happens some seconds later). Returns the old master's port.
     */
    public synchronized int forceFailover() {
        int port = masterPort();
        failingOver = port;
        Object reply = command(sentinels.get(0).port, "SENTINEL", "FAILOVER", MASTER_ID);
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("SENTINEL FAILOVER answered " + reply);
        }
        return port;
    }

    /**
     * Waits, polling until {@code timeout}, until every running Sentinel reports a master other than
     * the one killed by {@link #killMaster()} or failed over by {@link #forceFailover()} (the current
     * one if neither was called) and that server answers {@code ROLE} as master; its port.
     *
     * @throws IllegalStateException naming what the Sentinels said, with their logs, on timeout
     */
    public int awaitFailover(Duration timeout) {
        int before;
        synchronized (this) {
            before = failingOver != 0 ? failingOver : masterPort();
        }
        int[] promoted = {0};
        awaitUntil(
                () -> {
                    Integer agreed = null;
                    for (int port : sentinelPorts()) {
                        Integer p = reportedMaster(port);
                        if (p == null || p == before || (agreed != null && !agreed.equals(p))) {
                            return false;
                        }
                        agreed = p;
                    }
                    if (agreed == null) {
                        return false;
                    }
                    Object role = command(agreed, "ROLE");
                    if (role instanceof List<?> r && !r.isEmpty() && "master".equals(r.get(0))) {
                        promoted[0] = agreed;
                        return true;
                    }
                    return false;
                },
                timeout,
                () -> "no failover away from port " + before + " within " + timeout + "; Sentinels report "
                        + sentinelPorts().stream()
                                .map(RedisSentinelProcesses::reportedMaster)
                                .toList()
                        + "\n" + sentinelLogs());
        synchronized (this) {
            failingOver = 0;
        }
        return promoted[0];
    }

    /** Stops the replica with SIGSTOP: it neither replicates nor answers until {@link #resumeReplica()}. */
    public void pauseReplica() {
        signal(replicaPort(), "STOP");
    }

    /** Continues the replica stopped by {@link #pauseReplica()} (SIGCONT). */
    public void resumeReplica() {
        signal(replicaPort(), "CONT");
    }

    /** How many clients named {@code name} ({@code CLIENT SETNAME}) the server on {@code port} has. */
    public static int clientsNamed(int port, String name) {
        Object list = command(port, "CLIENT", "LIST");
        if (!(list instanceof String text)) {
            return 0;
        }
        int n = 0;
        for (String line : text.split("\n")) {
            if ((" " + line.trim() + " ").contains(" name=" + name + " ")) {
                n++;
            }
        }
        return n;
    }

    /** The logs of the Sentinels (their last 4,000 characters each), for failure messages. */
    public synchronized String sentinelLogs() {
        StringBuilder b = new StringBuilder();
        for (Node s : sentinels) {
            b.append("--- ").append(s.name).append(" (port ").append(s.port).append(")\n");
            b.append(s.log()).append('\n');
        }
        return b.toString();
    }

    /**
     * Sends one command (each argument a bulk string) to the server or Sentinel on {@code port} and
     * returns its reply: a {@code String} for simple and bulk strings, a {@code Long}, a {@code
     * List<Object>}, {@code null}, or an {@link ErrorReply}; {@code null} too if it cannot be reached.
     */
    public static Object command(int port, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                req.append('$')
                        .append(a.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(a)
                        .append("\r\n");
            }
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply(new BufferedInputStream(s.getInputStream()));
        } catch (IOException e) {
            return null;
        }
    }

    /** An error reply ({@code -ERR …}). */
    public record ErrorReply(String message) {}

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Kills every process and deletes the directories. */
    @Override
    public void close() {
        destroy();
        if (hookAdded) {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs anyway
            }
            hookAdded = false;
        }
    }

    private synchronized void destroy() {
        List<Node> all = new ArrayList<>(sentinels);
        all.addAll(servers);
        for (Node n : all) {
            if (n.process != null) {
                signalPid(n.process.pid(), "CONT"); // a stopped process dies only once continued
                n.process.destroyForcibly();
            }
        }
        for (Node n : all) {
            if (n.process != null) {
                try {
                    n.process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deleteRecursively(n.dir);
        }
        sentinels.clear();
        servers.clear();
    }

    // ------------------------------------------------------------------------------------- helpers

    private Node node(String name, int port) throws IOException {
        return new Node(name, port, Files.createTempDirectory("redis-" + name + "-" + port + "-"));
    }

    private static List<String> serverArgs(Node n) {
        return List.of(
                binary(),
                "--port",
                Integer.toString(n.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--repl-diskless-sync",
                "yes",
                "--repl-diskless-sync-delay",
                "0",
                "--daemonize",
                "no",
                "--dir",
                n.dir.toString(),
                "--logfile",
                "");
    }

    private static String sentinelConfig(int port, int masterPort) {
        return String.join(
                "\n",
                "port " + port,
                "bind 127.0.0.1",
                "daemonize no",
                "logfile \"\"",
                "sentinel resolve-hostnames no",
                "sentinel announce-ip 127.0.0.1",
                "sentinel monitor " + MASTER_ID + " 127.0.0.1 " + masterPort + " 2",
                "sentinel down-after-milliseconds " + MASTER_ID + " " + DOWN_AFTER.toMillis(),
                "sentinel failover-timeout " + MASTER_ID + " " + FAILOVER_TIMEOUT.toMillis(),
                "sentinel parallel-syncs " + MASTER_ID + " 1",
                "");
    }

    private void launch(Node n, List<String> args) {
        try {
            n.process = new ProcessBuilder(args)
                    .directory(n.dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(n.dir.resolve(n.name + ".log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run " + binary() + " (install redis-server, or set REDIS_SERVER to its path)", e);
        }
        awaitUntil(
                () -> {
                    if (!n.process.isAlive()) {
                        throw new IllegalStateException(n.name + " on port " + n.port + " exited: " + n.log());
                    }
                    return "PONG".equals(command(n.port, "PING"));
                },
                STARTUP_TIMEOUT,
                () -> n.name + " on port " + n.port + " did not answer PING: " + n.log());
    }

    private synchronized Node server(int port) {
        return servers.stream()
                .filter(n -> n.port == port)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no server of this setup on port " + port));
    }

    private void signal(int port, String signal) {
        Node n = server(port);
        if (!n.alive()) {
            throw new IllegalStateException(n.name + " on port " + port + " is not running");
        }
        signalPid(n.process.pid(), signal);
    }

    private static void signalPid(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Integer reportedMaster(int sentinelPort) {
        Object r = command(sentinelPort, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_ID);
        if (r instanceof List<?> addr && addr.size() == 2) {
            return Integer.valueOf((String) addr.get(1));
        }
        return null;
    }

    private static String info(int port, String section) {
        Object r = command(port, "INFO", section);
        return r instanceof String s ? s : "";
    }

    private static List<String> strings(Object reply) {
        if (!(reply instanceof List<?> l)) {
            return List.of();
        }
        return l.stream().map(String::valueOf).toList();
    }

    private static String field(List<String> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (flat.get(i).equals(name)) {
                return flat.get(i + 1);
            }
        }
        return null;
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} has passed. */
    private static void awaitUntil(Supplier<Boolean> condition, Duration timeout, Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.get())) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(failure.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll interval, not a wait for an event
        }
    }

    private static Object reply(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(len + 2);
                return new String(b, 0, len, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(reply(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected reply type " + type + ": " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static String binary() {
        String configured = System.getProperty("REDIS_SERVER", System.getenv("REDIS_SERVER"));
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, "redis-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return "redis-server";
    }

    /** Distinct free loopback ports: all sockets are held open until every port is picked. */
    private static int[] freePorts(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                s.setReuseAddress(true);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind
        }
    }

    @Override
    public synchronized String toString() {
        return "RedisSentinelProcesses{servers="
                + servers.stream().map(n -> n.name + ":" + n.port).toList() + ", sentinels="
                + sentinels.stream().map(n -> n.port).toList() + "}";
    }
}
