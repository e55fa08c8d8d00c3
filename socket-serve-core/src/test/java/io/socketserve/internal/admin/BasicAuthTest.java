package io.socketserve.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.internal.admin.BasicAuth.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class BasicAuthTest {

    private static final String PASSWORD = "pässwörd with spaces";
    private final BasicAuth auth = new BasicAuth("admin", PASSWORD.getBytes(StandardCharsets.UTF_8), 3);

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightCredentialPassesInAnyCaseOfTheScheme() {
        assertThat(auth.check(basic("admin:" + PASSWORD), "a", 0)).isEqualTo(Verdict.OK);
        assertThat(auth.check("basic " + basic("admin:" + PASSWORD).substring(6), "a", 0))
                .isEqualTo(Verdict.OK);
    }

    @Test
    void aPasswordWithAColonIsSplitAtTheFirstColon() {
        BasicAuth colon = new BasicAuth("admin", "a:b:c-long".getBytes(StandardCharsets.UTF_8), 3);
        assertThat(colon.check(basic("admin:a:b:c-long"), "a", 0)).isEqualTo(Verdict.OK);
    }

    @Test
    void noHeaderIsMissingAndDoesNotCountAsAFailure() {
        for (int i = 0; i < 10; i++) {
            assertThat(auth.check(null, "a", 0)).isEqualTo(Verdict.MISSING);
            assertThat(auth.check("  ", "a", 0)).isEqualTo(Verdict.MISSING);
        }
        assertThat(auth.check(basic("admin:" + PASSWORD), "a", 0)).isEqualTo(Verdict.OK);
    }

    @Test
    void wrongOrMalformedCredentialsAreWrong() {
        BasicAuth lenient = new BasicAuth("admin", PASSWORD.getBytes(StandardCharsets.UTF_8), 1000);
        for (String header : new String[] {
            basic("admin:nope"),
            basic("Admin:" + PASSWORD),
            basic("admin:" + PASSWORD + " "),
            basic("admin" + PASSWORD),
            basic(":"),
            "Basic %%%",
            "Bearer abc",
            "Basic",
            basic("admin:" + PASSWORD).replace("Basic ", "Digest ")
        }) {
            assertThat(lenient.check(header, "a", 0)).as(header).isEqualTo(Verdict.WRONG);
        }
    }

    @Test
    void anAddressIsThrottledAfterTheLimitUntilTheWindowEnds() {
        for (int i = 0; i < 3; i++) {
            assertThat(auth.check(basic("admin:guess"), "a", 1_000)).isEqualTo(Verdict.WRONG);
        }
        assertThat(auth.check(basic("admin:" + PASSWORD), "a", 2_000)).isEqualTo(Verdict.THROTTLED);
        assertThat(auth.retryAfterSeconds("a", 2_000)).isEqualTo(59);
        // another address is not affected
        assertThat(auth.check(basic("admin:" + PASSWORD), "b", 2_000)).isEqualTo(Verdict.OK);
        // the window is over
        assertThat(auth.check(basic("admin:" + PASSWORD), "a", 1_000 + BasicAuth.WINDOW_MILLIS))
                .isEqualTo(Verdict.OK);
    }

    @Test
    void failuresInAnEarlierWindowDoNotAddUp() {
        auth.check(basic("admin:guess"), "a", 0);
        auth.check(basic("admin:guess"), "a", 0);
        auth.check(basic("admin:guess"), "a", BasicAuth.WINDOW_MILLIS);
        auth.check(basic("admin:guess"), "a", BasicAuth.WINDOW_MILLIS);
        assertThat(auth.check(basic("admin:" + PASSWORD), "a", BasicAuth.WINDOW_MILLIS))
                .isEqualTo(Verdict.OK);
    }

    @Test
    void theTrackedAddressesStayBounded() {
        BasicAuth many = new BasicAuth("admin", PASSWORD.getBytes(StandardCharsets.UTF_8), 3);
        for (int i = 0; i < BasicAuth.MAX_TRACKED + 500; i++) {
            many.check(basic("admin:guess"), "10.0." + i, 0);
        }
        assertThat(many.tracked()).isLessThanOrEqualTo(BasicAuth.MAX_TRACKED);
    }
}
