package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript suites of {@code socket-serve-client-js} — our client, the ORIGINAL npm
 * client {@code socket-serve@0.6.0}, and our client as the npm package {@code @socketserve/client}
 * ({@code npm pack}, installed offline into a fresh {@code npm init -y} project, used through {@code
 * require}, {@code import} and the classic-script build) — with Node.js against the real demo server
 * on a free port. Installs the pinned npm packages first if they are missing (fresh machine).
 */
class JsClientIT {

    private static DemoServer.Running demo;
    private static final Path CLIENT_DIR =
            Path.of("..", "socket-serve-client-js").toAbsolutePath().normalize();

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules/socket-serve"))
                || !Files.isDirectory(CLIENT_DIR.resolve("node_modules/eventsource"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), null, 300);
            assertThat(install.exit())
                    .as("npm ci output:%n%s", install.output())
                    .isZero();
        }
        demo = DemoServer.start("127.0.0.1", 0);
        TestHelpers.register(demo.server()); // echo, askMe, burst, whoami: the suites' helper events
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void originalNpmClientWorksUnchanged() throws Exception {
        Result r = nodeTest("test/original-client.test.js");
        assertThat(r.exit()).as("node --test output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("# fail 0").doesNotContain("# pass 0");
    }

    @Test
    void ourClientPassesItsSuite() throws Exception {
        Result r = nodeTest("test/client.test.js");
        assertThat(r.exit()).as("node --test output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("# fail 0").doesNotContain("# pass 0");
    }

    @Test
    void npmPackageInstallsIntoAFreshProjectAndConnects() throws Exception {
        Result r = nodeTest("test/package.test.js");
        assertThat(r.exit()).as("node --test output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("# fail 0").contains("# skipped 0").doesNotContain("# pass 0");
    }

    private static Result nodeTest(String file) throws Exception {
        String url = "http://127.0.0.1:" + demo.port() + "/socket";
        return run(List.of("node", "--test", "--test-reporter=tap", file), url, 240);
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, String url, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder(command).directory(CLIENT_DIR.toFile()).redirectErrorStream(true);
        if (url != null) {
            pb.environment().put("SOCKET_SERVE_URL", url);
        }
        Path log = Files.createTempFile("js-test", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(
                    -1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        return new Result(p.exitValue(), out);
    }
}
