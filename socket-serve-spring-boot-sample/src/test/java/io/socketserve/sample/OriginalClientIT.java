package io.socketserve.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The ORIGINAL npm client {@code socket-serve@0.6.0} chats through the sample (Node.js, {@code
 * src/test/js/original-client-chat.test.js}), as it does through the demo. The pinned npm packages
 * are those of {@code socket-serve-client-js} ({@code npm ci} there first if they are missing); the
 * test file runs from a temporary directory whose {@code node_modules} links to them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OriginalClientIT {

    private static final Path CLIENT_DIR =
            Path.of("..", "socket-serve-client-js").toAbsolutePath().normalize();
    private static final Path TEST_FILE = Path.of("src", "test", "js", "original-client-chat.test.js");

    @LocalServerPort
    int port;

    @BeforeAll
    static void npmPackages() throws Exception {
        if (!Files.isDirectory(CLIENT_DIR.resolve("node_modules/socket-serve"))
                || !Files.isDirectory(CLIENT_DIR.resolve("node_modules/eventsource"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), CLIENT_DIR, null, 300);
            assertThat(install.exit())
                    .as("npm ci output:%n%s", install.output())
                    .isZero();
        }
    }

    @Test
    void originalNpmClientChatsThroughTheSample(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("package.json"), "{\"type\":\"module\",\"private\":true}");
        Files.createSymbolicLink(dir.resolve("node_modules"), CLIENT_DIR.resolve("node_modules"));
        Files.copy(TEST_FILE, dir.resolve("original-client-chat.test.js"));

        Result r = run(
                List.of("node", "--test", "--test-reporter=tap", "original-client-chat.test.js"),
                dir,
                "http://127.0.0.1:" + port + "/socket",
                240);

        assertThat(r.exit()).as("node --test output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("# pass 3").contains("# fail 0");
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, Path dir, String url, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
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
