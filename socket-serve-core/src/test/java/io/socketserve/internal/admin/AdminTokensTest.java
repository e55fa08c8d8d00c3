package io.socketserve.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AdminTokensTest {

    private final AdminTokens tokens = new AdminTokens("admin", "the password".getBytes(StandardCharsets.UTF_8));

    @Test
    void aTokenIsValidUntilItExpires() {
        String t = tokens.issue(1_000);
        assertThat(tokens.valid(t, 1_000)).isTrue();
        assertThat(tokens.valid(t, 1_000 + AdminTokens.TTL_MILLIS - 1)).isTrue();
        assertThat(tokens.valid(t, 1_000 + AdminTokens.TTL_MILLIS)).isFalse();
    }

    @Test
    void anotherInstanceWithTheSameCredentialAcceptsIt() {
        AdminTokens other = new AdminTokens("admin", "the password".getBytes(StandardCharsets.UTF_8));
        assertThat(other.valid(tokens.issue(0), 1)).isTrue();
    }

    @Test
    void anotherPasswordOrUserVoidsIt() {
        String t = tokens.issue(0);
        assertThat(new AdminTokens("admin", "another password".getBytes(StandardCharsets.UTF_8)).valid(t, 1))
                .isFalse();
        assertThat(new AdminTokens("ops", "the password".getBytes(StandardCharsets.UTF_8)).valid(t, 1))
                .isFalse();
    }

    @Test
    void aTamperedOrMalformedTokenIsRefused() {
        String t = tokens.issue(0);
        String later = t.replaceFirst("v1\\.\\d+", "v1.99999999999999");
        assertThat(tokens.valid(later, 1)).isFalse();
        for (String bad : new String[] {
            null, "", "v1", "v1.", "v1.x.y", "v2" + t.substring(2), t + "A", "v1.1.%%%", "x".repeat(200)
        }) {
            assertThat(tokens.valid(bad, 1)).as(String.valueOf(bad)).isFalse();
        }
    }
}
