package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.netty.testing.ReceivedFrame;
import io.socketserve.netty.testing.TestClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, pasted into an empty folder: the files marked {@code <!--
 * quickstart:PATH -->} in {@code README.md} are written to a new project, which is built with the
 * README's run command against this build's own artifacts (copied into a throwaway local
 * repository; everything else comes from the build's local repository, then Maven Central), started
 * on a free port, and chatted through. So the README cannot drift from what works.
 */
class QuickstartIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK =
            Pattern.compile("<!-- quickstart:(\\S+) -->\\s*```[a-z]*\\n(.*?)\\n```", Pattern.DOTALL);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path work;

    private @Nullable Process app;
    private final List<TestClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (app != null) {
            app.descendants().forEach(ProcessHandle::destroyForcibly);
            app.destroyForcibly();
        }
    }

    @Test
    void readmeQuickStartBuildsServesThePageAndChats() throws Exception {
        Map<String, String> blocks = readmeBlocks();
        assertThat(blocks)
                .containsKeys(
                        "pom.xml",
                        "src/main/java/Chat.java",
                        "src/main/resources/static/index.html",
                        "src/main/resources/logback.xml",
                        "run");
        Path project = Files.createDirectories(work.resolve("chat"));
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            if (!b.getKey().equals("run")) {
                Path file = project.resolve(b.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, b.getValue() + "\n", StandardCharsets.UTF_8);
            }
        }
        Path repo = seedRepository(work.resolve("repo"));
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, settings(outerRepository()), StandardCharsets.UTF_8);

        int port = freePort();
        List<String> command =
                new ArrayList<>(Arrays.asList(blocks.get("run").trim().split("\\s+")));
        assertThat(command.get(0)).isEqualTo("mvn");
        command.addAll(1, List.of("-B", "-s", settings.toString(), "-Dmaven.repo.local=" + repo));
        Path log = work.resolve("app.log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("PORT", Integer.toString(port));
        app = pb.start();

        URI origin = URI.create("http://127.0.0.1:" + port);
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .failFast("the quick start exited: " + tail(log), () -> !app.isAlive())
                .until(() -> status(origin.resolve("/")) == 200);

        HttpResponse<String> page = get(origin.resolve("/"));
        assertThat(page.body()).contains("import { connect } from '/socket-serve.js'");
        HttpResponse<String> client = get(origin.resolve("/socket-serve.js"));
        assertThat(client.statusCode()).isEqualTo(200);
        assertThat(client.body()).contains("export function connect");

        TestClient ada = chatter(origin);
        TestClient bob = chatter(origin);
        ada.emit("sendMessage", Map.of("channel", "general", "message", "hello from the README"));
        ReceivedFrame received = bob.await(
                f -> f.event().equals("newMessage")
                        && f.data().path("text").asText().equals("hello from the README"),
                "bob gets ada's message");
        assertThat(received.data().path("from").asText()).isEqualTo(ada.id());
        ada.await(f -> f.event().equals("newMessage"), "ada gets her own message (broadcastToRoom)");
        // The quick start logs at INFO (its logback.xml): a clean start logs no error and no exception.
        assertThat(tail(log)).doesNotContain(" ERROR ", "Exception");
    }

    private TestClient chatter(URI origin) {
        TestClient c = new TestClient(origin.resolve("/socket"));
        clients.add(c);
        assertThat(c.connect().status()).isEqualTo(200);
        c.openStream();
        assertThat(c.emit("joinChannel", Map.of("channelName", "general")).status())
                .isEqualTo(200);
        return c;
    }

    /** The README's {@code <!-- quickstart:PATH -->} blocks, by path ({@code run}: the command). */
    static Map<String, String> readmeBlocks() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            blocks.put(m.group(1), m.group(2));
        }
        return blocks;
    }

    /**
     * A local repository holding only this project's artifacts from this build (the parent POM,
     * core and netty jars with their POMs), as {@code mvn install} would have left them.
     */
    private static Path seedRepository(Path repo) throws IOException {
        String version = versionOf(ROOT.resolve("pom.xml"));
        install(repo, "socket-serve-parent", version, ROOT.resolve("pom.xml"), null);
        for (String module : List.of("socket-serve-core", "socket-serve-netty")) {
            Path jar = ROOT.resolve(module).resolve("target").resolve(module + "-" + version + ".jar");
            assertThat(jar)
                    .as("%s is built by the reactor before this test (run mvn verify from the root)", jar)
                    .exists();
            install(repo, module, version, ROOT.resolve(module).resolve("pom.xml"), jar);
        }
        return repo;
    }

    private static void install(Path repo, String artifact, String version, Path pom, @Nullable Path jar)
            throws IOException {
        Path dir = Files.createDirectories(
                repo.resolve("io").resolve("socketserve").resolve(artifact).resolve(version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"));
        }
    }

    private static String versionOf(Path pom) throws IOException {
        Matcher m = Pattern.compile("<artifactId>socket-serve-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(pom, StandardCharsets.UTF_8));
        assertThat(m.find()).as("version in %s", pom).isTrue();
        return m.group(1);
    }

    /** The local repository of the build running this test (passed by failsafe), else ~/.m2's. */
    private static Path outerRepository() {
        String configured = System.getProperty("outer.repository");
        return configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** Resolves from the outer build's repository first (no download for what it has), then Central. */
    private static String settings(Path outer) {
        String url = outer.toUri().toString();
        return """
                <settings>
                  <profiles>
                    <profile>
                      <id>seed</id>
                      <repositories>
                        <repository><id>seed</id><url>%1$s</url></repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>seed</id><url>%1$s</url></pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>seed</activeProfile></activeProfiles>
                </settings>
                """
                .formatted(url);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static int status(URI uri) {
        try {
            return get(uri).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String tail(Path log) {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
