package io.socketserve.demo.proxy;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A reverse proxy (nginx, HAProxy) run by a test as a child process, in the foreground, as the
 * current user, with its configuration, pid file and logs in a directory of its own under {@code
 * target/proxies}, listening on a free loopback port. {@link #close()} stops it (SIGTERM, then SIGKILL); a JVM shutdown hook does
 * the same if the test run dies first.
 */
abstract class ProxyProcess implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);

    final Path dir;
    final int port;
    private final Process process;
    private final Thread reaper;

    /** Starts {@code command} in {@code dir} and waits until {@code port} accepts connections. */
    ProxyProcess(Path dir, int port, List<String> command) {
        this.dir = dir;
        this.port = port;
        try {
            this.process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("output.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        this.reaper = new Thread(process::destroyForcibly, "proxy-process-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            await().atMost(STARTUP_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("the proxy exited", () -> !process.isAlive())
                    .until(() -> accepts(port));
        } catch (RuntimeException | Error e) {
            close();
            throw new AssertionError(command + " did not start listening on port " + port + ":\n" + logs(), e);
        }
    }

    /** The socket endpoint through the proxy, e.g. {@code http://127.0.0.1:PORT/socket}. */
    URI base() {
        return URI.create("http://127.0.0.1:" + port + "/socket");
    }

    /** Everything the proxy logged so far (every {@code *.log} file of its directory). */
    String logs() {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                b.append("==> ").append(f.getFileName()).append(" <==\n");
                b.append(Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            b.append("(cannot read the logs: ").append(e).append(")");
        }
        return b.toString();
    }

    @Override
    public void close() {
        // nginx's workers are children of its master: make sure none outlives it.
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy(); // SIGTERM: both nginx and HAProxy stop at once on it
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
    }

    /** Fails with the message to run ./test.sh when {@code binary} is not installed. */
    static Path require(Path binary, String debianPackage) {
        if (!Files.isExecutable(binary)) {
            throw new AssertionError(binary + " is missing: the reverse-proxy tests need Debian's " + debianPackage
                    + ". Run ./test.sh, which installs it (or: apt-get update && apt-get install -y "
                    + debianPackage + ")");
        }
        return binary;
    }

    /** A new directory for one proxy run under {@code target/proxies}, kept for a look after the tests. */
    static Path runDir(String prefix) {
        try {
            Path parent = Files.createDirectories(Path.of("target", "proxies").toAbsolutePath());
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Whether something accepts TCP connections on the loopback port. */
    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
