package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.socketserve.ServerOptions;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.testing.E2eSuite;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the browser suites of {@code socket-serve-e2e} — the demo pages in headless Debian Chromium
 * driven by playwright-core, several browser contexts per page — against real demo servers:
 *
 * <ul>
 *   <li>{@code DEMO_URL}: the in-memory demo ({@link DemoServer#start(ServerOptions, String, int)}) on
 *       a free port, with a short presence heartbeat;
 *   <li>{@code RESTART_DEMO_URL}: a demo instance on a real {@code redis-server} with gzip-encoded
 *       event streams ({@code streamCompression}), and {@code
 *       CONTROL_URL}: a small HTTP endpoint of this test ({@code POST /redis/kill} stops that
 *       instance abruptly, {@code POST /redis/start} starts a NEW instance on the same port and the
 *       same Redis), with which the restart test kills the server in the middle of a chat;
 *   <li>{@code RESTART_MEMORY_DEMO_URL}: an in-memory instance, restarted the same way ({@code
 *       /memory/kill}, {@code /memory/start}): its sessions are lost, the pages must start new ones.
 * </ul>
 *
 * <p>Screenshots of every page go to {@code target/screenshots}. Chromium must be Debian's {@code
 * /usr/bin/chromium} (never a downloaded browser): without it this test fails and says to run {@code
 * ./test.sh}, which installs it. The pinned npm packages are installed ({@code npm ci}) if missing.
 */
// The longest suites run on the first JDK of CI only (test.sh: -DexcludedGroups=first-jdk-only on
// Temurin 25), which keeps CI under 40 minutes on the 2-core machine.
@Tag("first-jdk-only")
class BrowserIT {

    private static final Path E2E_DIR = E2eSuite.DIR;
    private static final Path SCREENSHOTS =
            Path.of("target", "screenshots").toAbsolutePath().normalize();
    private static final int SUITE_TIMEOUT_SECONDS = 180;
    /**
     * Shorter than the default, so that a page that vanished without ending its session (its tab
     * killed) leaves the presence lists within about 2 s, well inside the suites' waits.
     */
    private static final Duration PRESENCE_HEARTBEAT = Duration.ofSeconds(1);

    private static DemoServer.@Nullable Running demo;
    private static @Nullable RedisServerProcess redis;
    private static @Nullable RestartableInstance restartable;
    private static @Nullable RestartableInstance restartableInMemory;
    private static @Nullable HttpServer control;

    @BeforeAll
    static void start() throws Exception {
        E2eSuite.requireChromiumAndPackages();
        demo = DemoServer.start(
                ServerOptions.builder()
                        .allowedOrigins(List.of("*"))
                        .presenceHeartbeat(PRESENCE_HEARTBEAT)
                        .build(),
                "127.0.0.1",
                0);
        redis = new RedisServerProcess().start();
        restartable = new RestartableInstance(redis.uri());
        restartableInMemory = new RestartableInstance(null);
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        control.createContext("/redis/kill", ex -> answer(ex, restartable::kill));
        control.createContext("/redis/start", ex -> answer(ex, restartable::start));
        control.createContext("/memory/kill", ex -> answer(ex, restartableInMemory::kill));
        control.createContext("/memory/start", ex -> answer(ex, restartableInMemory::start));
        control.start();
    }

    @AfterAll
    static void stop() {
        if (control != null) {
            control.stop(0);
        }
        if (restartable != null) {
            restartable.kill();
        }
        if (restartableInMemory != null) {
            restartableInMemory.kill();
        }
        if (redis != null) {
            redis.close();
        }
        if (demo != null) {
            demo.close();
        }
    }

    /**
     * One test per file of {@code socket-serve-e2e/test}; {@code -De2e.suites=chat,lobby} runs only
     * those files (to iterate on one page without the whole suite).
     */
    @TestFactory
    Stream<DynamicTest> browserSuites() throws IOException {
        List<String> only = Stream.of(System.getProperty("e2e.suites", "").split(","))
                .map(String::strip)
                .filter(name -> !name.isEmpty())
                .toList();
        List<Path> files;
        try (Stream<Path> list = Files.list(E2E_DIR.resolve("test"))) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".test.js"))
                    .filter(p -> only.isEmpty()
                            || only.contains(p.getFileName().toString().replace(".test.js", "")))
                    .sorted()
                    .toList();
        }
        assertThat(files).as("browser suites in %s", E2E_DIR).isNotEmpty();
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> runSuite(file)));
    }

    private static void runSuite(Path file) throws Exception {
        Map<String, String> env = Map.of(
                "DEMO_URL", "http://127.0.0.1:" + demo.port(),
                "RESTART_DEMO_URL", "http://127.0.0.1:" + restartable.port,
                "RESTART_MEMORY_DEMO_URL", "http://127.0.0.1:" + restartableInMemory.port,
                "CONTROL_URL", "http://127.0.0.1:" + control.getAddress().getPort(),
                "SCREENSHOT_DIR", SCREENSHOTS.toString());
        String relative = E2E_DIR.relativize(file).toString();
        E2eSuite.Result r =
                E2eSuite.run(List.of("node", "--test", "--test-reporter=tap", relative), env, SUITE_TIMEOUT_SECONDS);
        assertThat(r.exit()).as("node --test %s:%n%s", relative, r.output()).isZero();
        assertThat(r.output())
                .as("node --test %s:%n%s", relative, r.output())
                .contains("# fail 0")
                .contains("# skipped 0")
                .doesNotContain("# pass 0");
    }

    /**
     * A demo instance that the restart tests kill and start again on its port: on Redis (sessions
     * survive), or in memory ({@code redisUri == null}: a restart loses every session).
     */
    private static final class RestartableInstance {
        private final @Nullable String redisUri;
        private DemoServer.@Nullable Running running;
        final int port;

        RestartableInstance(@Nullable String redisUri) {
            this.redisUri = redisUri;
            this.running = startOn(0);
            this.port = running.port();
        }

        private DemoServer.Running startOn(int p) {
            ServerOptions.Builder options = ServerOptions.builder().allowedOrigins(List.of("*"));
            if (redisUri != null) {
                options.backend(new RedisBackend(
                        RedisBackendOptions.builder().uri(redisUri).build()));
            }
            // The Redis instance gzips its event streams: the restart suite then also shows that
            // Chromium's EventSource reads a compressed stream, across a server restart.
            return DemoServer.start(options.build(), "127.0.0.1", p, redisUri != null ? 6 : 0);
        }

        /** Stops the instance abruptly: its streams end (its sessions stay in Redis, if on Redis). */
        synchronized String kill() {
            if (running != null) {
                running.close();
                running = null;
            }
            return "killed";
        }

        /** Starts a new instance on the same port (retrying the bind briefly). */
        synchronized String start() throws InterruptedException {
            if (running != null) {
                return "running";
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    running = startOn(port);
                    return "started";
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    TimeUnit.MILLISECONDS.sleep(100); // the port is still being released
                }
            }
        }
    }

    @FunctionalInterface
    private interface Action {
        String run() throws Exception;
    }

    private static void answer(HttpExchange ex, Action action) throws IOException {
        int status;
        String body;
        if (!"POST".equals(ex.getRequestMethod())) {
            status = 405;
            body = "{\"error\":\"POST only\"}";
        } else {
            try {
                body = "{\"ok\":true,\"state\":\"" + action.run() + "\"}";
                status = 200;
            } catch (Exception e) {
                status = 500;
                body = "{\"error\":\"" + String.valueOf(e).replace("\"", "'") + "\"}";
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
