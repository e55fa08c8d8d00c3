package io.socketserve.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server JVM started by the generator ({@link BenchServer} or {@link CeilingServer}) on this
 * machine's Java with this JVM's class path, spoken to through {@link Control}'s line protocol.
 */
public final class ServerProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;
    private final int port;

    private ServerProcess(Process process, BufferedReader out, PrintStream in, int port) {
        this.process = process;
        this.out = out;
        this.in = in;
        this.port = port;
    }

    /**
     * Starts {@code mainClass} with {@code jvmFlags} and {@code args}; its stderr goes to {@code log}.
     * Waits for {@code READY}.
     */
    public static ServerProcess start(List<String> jvmFlags, Class<?> mainClass, List<String> args, Path log)
            throws IOException {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintStream in = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = out.readLine();
        while (line != null && !line.startsWith("READY ")) {
            line = out.readLine(); // e.g. JFR's start-up message
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IOException("server did not start (see " + log + "): " + line);
        }
        return new ServerProcess(p, out, in, Integer.parseInt(line.substring(6).trim()));
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Sends a control command and reads its one-line JSON answer. */
    public synchronized JsonNode command(String command) {
        try {
            in.println(command);
            String line = out.readLine();
            if (line == null) {
                throw new IOException("server exited");
            }
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException("control command " + command + " failed", e);
        }
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits for it to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                command("quit");
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } catch (RuntimeException e) {
            process.destroyForcibly();
        }
    }
}
