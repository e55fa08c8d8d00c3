package io.socketserve.bench.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of our own on a free loopback port, without persistence (or, with {@link
 * #start(Path, java.util.function.IntFunction)}, any Redis process: a cluster node, a Sentinel).
 */
public final class RedisProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private RedisProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static RedisProcess start(Path log) throws IOException {
        return start(log, List.of());
    }

    /**
     * A {@code redis-server} on a free loopback port with {@code extraArgs} after ours (for example
     * {@code --cluster-enabled yes}); its working directory is {@code log}'s directory.
     */
    public static RedisProcess start(Path log, List<String> extraArgs) throws IOException {
        return start(log, port -> {
            List<String> cmd = new ArrayList<>(List.of(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--maxclients",
                    "1000"));
            cmd.addAll(extraArgs);
            return cmd;
        });
    }

    /**
     * A process started with the command {@code command} builds for a free loopback port (for
     * example a Sentinel: {@code redis-server sentinel.conf --sentinel --port …}), answering {@code
     * PING} within 10 seconds.
     */
    public static RedisProcess start(Path log, java.util.function.IntFunction<List<String>> command)
            throws IOException {
        int port = freePort();
        java.nio.file.Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(command.apply(port))
                .directory(log.toAbsolutePath().getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        RedisProcess r = new RedisProcess(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if (r.command("PING").contains("PONG")) {
                    return r;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    p.destroyForcibly();
                    throw new IOException("redis-server did not start on port " + port + " (see " + log + ")", e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException(ie);
                }
            }
        }
    }

    /**
     * A free loopback port whose cluster bus port (+10,000) is free too, so that it also suits a
     * cluster node.
     */
    static int freePort() throws IOException {
        for (int attempt = 0; ; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            if (port + 10_000 > 65_535) {
                continue;
            }
            ServerSocket bus = null;
            try {
                bus = new ServerSocket(port + 10_000, 1, java.net.InetAddress.getLoopbackAddress());
                return port;
            } catch (IOException busy) {
                if (attempt > 50) {
                    throw busy;
                }
            } finally {
                if (bus != null) {
                    bus.close();
                }
            }
        }
    }

    /** The port it listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** {@code INFO <section>} as field → value ({@code total_commands_processed → 1234}). */
    public Map<String, String> info(String section) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : command("INFO " + section).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    /** Whether the process still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** Sends an inline command and returns the raw reply (a bulk string's content for {@code INFO}). */
    public String command(String inline) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String first = r.readLine();
            if (first == null) {
                throw new IOException("no reply");
            }
            if (!first.startsWith("$")) {
                return first;
            }
            int len = Integer.parseInt(first.substring(1));
            char[] buf = new char[len];
            int n = 0;
            while (n < len) {
                int k = r.read(buf, n, len - n);
                if (k < 0) {
                    break;
                }
                n += k;
            }
            return new String(buf, 0, n);
        }
    }

    /** Calls per command since start ({@code INFO commandstats}), e.g. {@code evalsha → 1234}. */
    public Map<String, Long> commandCalls() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : command("INFO commandstats").split("\r?\n")) {
            // cmdstat_evalsha:calls=12,usec=…
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                int c = line.indexOf("calls=");
                int end = line.indexOf(',', c);
                out.put(name, Long.parseLong(line.substring(c + 6, end)));
            }
        }
        return out;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
