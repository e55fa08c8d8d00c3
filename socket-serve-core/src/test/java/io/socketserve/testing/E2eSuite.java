package io.socketserve.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the browser suites of {@code socket-serve-e2e} (Node.js, {@code playwright-core} driving
 * Debian's headless Chromium) from a module's integration tests: the demo's {@code BrowserIT}, the
 * Spring Boot sample's {@code SampleBrowserIT}. The working directory of a test is its module, so
 * the suites are one folder up.
 */
public final class E2eSuite {

    /** {@code socket-serve-e2e}, beside the module the test runs in. */
    public static final Path DIR =
            Path.of("..", "socket-serve-e2e").toAbsolutePath().normalize();

    /** The browser the suites drive (never a downloaded one). */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private E2eSuite() {}

    /** What a run printed, and its exit code ({@code -1}: timed out and killed). */
    public record Result(int exit, String output) {}

    /**
     * Fails with what to do when Chromium is missing; installs the suites' packages ({@code npm ci})
     * when they are not there yet.
     */
    public static void requireChromiumAndPackages() throws IOException, InterruptedException {
        assertThat(Files.isExecutable(CHROMIUM))
                .as(
                        "%s is missing: the browser tests need Debian's chromium. Run ./test.sh, which installs it"
                                + " (or: apt-get update && apt-get install -y chromium)",
                        CHROMIUM)
                .isTrue();
        if (!Files.isDirectory(DIR.resolve("node_modules/playwright-core"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
            assertThat(install.exit())
                    .as("npm ci output:%n%s", install.output())
                    .isZero();
        }
    }

    /**
     * Runs {@code command} in {@link #DIR} with {@code env} added; on timeout, or when it is done,
     * kills it and everything it started (node runs each test file in a child process, which runs
     * Chromium: none may outlive the test — descendants first, since once node is gone they are no
     * longer its descendants).
     */
    public static Result run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile("e2e-suite", ".log");
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
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
