package io.socketserve.redis.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} child process on a free loopback port, for integration tests. Never the
 * shared Redis on 6379: every instance picks its own port.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerProcess redis = new RedisServerProcess();
 *
 * @Test
 * void survivesARestart() {
 *     redis.kill();      // SIGKILL
 *     redis.start();     // same port, empty data set
 * }
 * }</pre>
 *
 * <p>As an extension it starts before all tests of the class and stops after them; it can also be
 * used by hand ({@link #start()}, {@link #stop()}). The server runs without persistence ({@code --save
 * "" --appendonly no}), so a restart comes back empty. The binary is {@code redis-server} on the
 * {@code PATH}, or the system property / environment variable {@code REDIS_SERVER}.
 */
public final class RedisServerProcess implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);

    private final int port;
    private Process process;
    private Path dir;

    /** A server on a free port, not started yet. */
    public RedisServerProcess() {
        this(freePort());
    }

    public RedisServerProcess(int port) {
        this.port = port;
        Runtime.getRuntime().addShutdownHook(new Thread(this::kill, "redis-server-process-reaper"));
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server (again, on the same port) and waits until it answers {@code PING}. */
    public synchronized RedisServerProcess start() {
        if (isRunning()) {
            return this;
        }
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("redis-" + port + "-");
            }
            ProcessBuilder pb = new ProcessBuilder(List.of(
                            binary(),
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--daemonize",
                            "no",
                            "--dir",
                            dir.toString(),
                            "--logfile",
                            ""))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile());
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run " + binary() + " (install redis-server, or set REDIS_SERVER to its path)", e);
        }
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: " + log());
            }
            if ("+PONG".equals(tryCommand("PING"))) {
                return this;
            }
            pause();
        }
        kill();
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING: " + log());
    }

    /** Kills the server with SIGKILL, as a crash would, and waits for it to be gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops the server ({@code SHUTDOWN NOSAVE}, then SIGKILL if it lingers). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        tryCommand("SHUTDOWN NOSAVE");
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
    }

    /** Stops the server with SIGSTOP: it keeps its connections and answers nothing until {@link #thaw}. */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** Continues a server stopped by {@link #freeze} (SIGCONT); harmless when it runs. */
    public synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills and starts again on the same port: the data set comes back empty. */
    public RedisServerProcess restart() {
        kill();
        return start();
    }

    /**
     * Sends one inline command (space-separated, no quoting) and returns the first line of the reply,
     * or {@code null} if the server cannot be reached. For checks in tests; use a client for more.
     */
    public String tryCommand(String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        stop();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll interval for the child's readiness
    }
}
