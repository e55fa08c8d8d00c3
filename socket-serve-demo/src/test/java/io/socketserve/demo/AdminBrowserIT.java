package io.socketserve.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.AdminOptions;
import io.socketserve.ServerOptions;
import io.socketserve.redis.RedisBackend;
import io.socketserve.redis.RedisBackendOptions;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.testing.E2eSuite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code socket-serve-e2e/admin/admin.test.js} — the admin page in headless Debian Chromium
 * driven by playwright-core — against two demo instances on one real {@code redis-server}, both with
 * the admin page on (actions enabled, statistics published every 500 ms). Screenshots go to {@code
 * target/screenshots}.
 */
// The longest suites run on the first JDK of CI only (test.sh: -DexcludedGroups=first-jdk-only on
// Temurin 25), which keeps CI under 40 minutes on the 2-core machine.
@Tag("first-jdk-only")
class AdminBrowserIT {

    private static final String PASSWORD = "admin page password";
    private static final Path SCREENSHOTS =
            Path.of("target", "screenshots").toAbsolutePath().normalize();

    private static @Nullable RedisServerProcess redis;
    private static DemoServer.@Nullable Running a;
    private static DemoServer.@Nullable Running b;

    @BeforeAll
    static void start() throws Exception {
        E2eSuite.requireChromiumAndPackages();
        redis = new RedisServerProcess().start();
        a = instance();
        b = instance();
    }

    private static DemoServer.Running instance() {
        ServerOptions options = ServerOptions.builder()
                .allowedOrigins(List.of("*"))
                .backend(new RedisBackend(
                        RedisBackendOptions.builder().uri(redis.uri()).build()))
                .build();
        AdminOptions admin = AdminOptions.builder()
                .password(PASSWORD)
                .readOnly(false)
                .publishInterval(Duration.ofMillis(500))
                .maxFailedLogins(100) // the login test fails on purpose, from the one test address
                .build();
        return DemoServer.start(options, "127.0.0.1", 0, 0, admin);
    }

    @AfterAll
    static void stop() {
        for (DemoServer.Running r : new DemoServer.Running[] {a, b}) {
            if (r != null) {
                r.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void adminPageInChromium() throws Exception {
        Map<String, String> env = Map.of(
                "DEMO_URL", "http://127.0.0.1:" + a.port(),
                "ADMIN_URL", "http://127.0.0.1:" + a.port(),
                "OTHER_URL", "http://127.0.0.1:" + b.port(),
                "ADMIN_PASSWORD", PASSWORD,
                "ADMIN_INSTANCES",
                        a.server().stats().instance() + "," + b.server().stats().instance(),
                "SCREENSHOT_DIR", SCREENSHOTS.toString());
        E2eSuite.Result r =
                E2eSuite.run(List.of("node", "--test", "--test-reporter=tap", "admin/admin.test.js"), env, 180);
        assertThat(r.exit())
                .as("node --test admin/admin.test.js:%n%s", r.output())
                .isZero();
        assertThat(r.output())
                .as("node --test admin/admin.test.js:%n%s", r.output())
                .contains("# fail 0")
                .contains("# skipped 0")
                .doesNotContain("# pass 0");
    }
}
