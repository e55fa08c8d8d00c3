package io.socketserve.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.testing.E2eSuite;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
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
// The longest suites run on the first JDK of CI only (test.sh: -DexcludedGroups=first-jdk-only on
// Temurin 25), which keeps CI under 40 minutes on the 2-core machine.
@Tag("first-jdk-only")
class SampleBrowserIT {

    private static final Path SUITE = Path.of("test", "chat.test.js");
    private static final Path SCREENSHOTS =
            Path.of("target", "screenshots").toAbsolutePath().normalize();
    private static final int SUITE_TIMEOUT_SECONDS = 180;

    @LocalServerPort
    int port;

    @BeforeAll
    static void browserAndPackages() throws Exception {
        E2eSuite.requireChromiumAndPackages();
    }

    @Test
    void twoUsersChatInChromium() throws Exception {
        E2eSuite.Result r = E2eSuite.run(
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
}
