package io.socketserve.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The sample's chat page in headless Debian Chromium: the demo's browser suite {@code
 * socket-serve-e2e/test/chat.test.js} (playwright-core, one browser context per user) runs unchanged
 * against the sample application on real Tomcat, on a free port, with the in-memory backend. Its
 * users join a channel, see each other arrive ({@code userJoined}) and leave ({@code userLeft}),
 * chat both ways (SSE and long-polling), see who is here and the channel's history — the same
 * checks as against the demo ({@code BrowserIT} in {@code socket-serve-demo}), because the sample
 * serves the demo's chat page, {@code demo.js} and event names.
 *
 * <p>Chromium must be Debian's {@code /usr/bin/chromium} (never a downloaded browser; {@code
 * ./test.sh} installs it). The pinned npm packages of {@code socket-serve-e2e} are installed ({@code
 * npm ci}) if missing, as {@code BrowserIT} does. The suite waits for conditions, never sleeps;
 * its node process and the browsers it started are killed if it outlives {@link
 * #SUITE_TIMEOUT_SECONDS}. Screenshots go to {@code target/screenshots}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "socketserve.backend=memory",
            // As BrowserIT: a page that vanished without ending its session leaves the presence
            // lists within about 2 s, well inside the suite's waits.
            "socketserve.presence.heartbeat=1s"
        })
class SampleBrowserIT {

    private static final Path E2E_DIR =
            Path.of("..", "socket-serve-e2e").toAbsolutePath().normalize();
    private static final Path SUITE = Path.of("test", "chat.test.js");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SCREENSHOTS =
            Path.of("target", "screenshots").toAbsolutePath().normalize();
    private static final int SUITE_TIMEOUT_SECONDS = 180;

    @LocalServerPort
    int port;

    @BeforeAll
    static void browserAndPackages() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM))
                .as(
                        "%s is missing: the browser test needs Debian's chromium. Run ./test.sh, which installs it"
                                + " (or: apt-get update && apt-get install -y chromium)",
                        CHROMIUM)
                .isTrue();
        if (!Files.isDirectory(E2E_DIR.resolve("node_modules/playwright-core"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
            assertThat(install.exit())
                    .as("npm ci output:%n%s", install.output())
                    .isZero();
        }
    }

    @Test
    void twoUsersChatInChromium() throws Exception {
        Result r = run(
                List.of("node", "--test", "--test-reporter=tap", SUITE.toString()),
                Map.of(
                        "DEMO_URL",
                        "http://127.0.0.1:" + port,
                        "SCREENSHOT_DIR",
                        SCREENSHOTS.resolve("sample").toString()),
                SUITE_TIMEOUT_SECONDS);

        assertThat(r.exit()).as("node --test %s:%n%s", SUITE, r.output()).isZero();
        assertThat(r.output())
                .as("node --test %s:%n%s", SUITE, r.output())
                .contains("# fail 0")
                .contains("# skipped 0")
                .doesNotContain("# pass 0")
                .contains("two users chat in a channel");
    }

    private record Result(int exit, String output) {}

    /** Runs {@code command} in socket-serve-e2e; on timeout kills it and everything it started. */
    private static Result run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder(command).directory(E2E_DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile("sample-browser-test", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                return new Result(
                        -1,
                        "timed out after " + timeoutSeconds + " s\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(out);
            return new Result(p.exitValue(), out);
        } finally {
            // node --test runs the file in a child process, which runs Chromium: none may outlive
            // the test (descendants first: once node is gone they are no longer its descendants).
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
