package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CredentialsTest {

    @Test
    void credentialIsPublicIdDotSecretAndOnlyItsHashIsKept() {
        Credentials.Identity id = Credentials.generate();
        assertThat(id.credential()).startsWith(id.publicId() + ".").hasSize(16 + 1 + 43);
        assertThat(id.secretHash()).doesNotContain(id.credential().substring(17));
        Credentials.Parsed parsed = Credentials.parse(id.credential());
        assertThat(parsed).isNotNull();
        assertThat(Credentials.verify(parsed.secret(), id.secretHash())).isTrue();
        assertThat(Credentials.verify("A".repeat(43), id.secretHash())).isFalse();
    }

    @Test
    void malformedCredentialsDoNotParse() {
        Credentials.Identity id = Credentials.generate();
        assertThat(Credentials.parse(id.publicId())).isNull();
        assertThat(Credentials.parse(id.credential() + "x")).isNull();
        assertThat(Credentials.parse(id.credential().substring(1))).isNull();
        assertThat(Credentials.parse(id.credential().replace('.', '!'))).isNull();
    }

    @Test
    void identitiesAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(Credentials.generate().publicId())).isTrue();
        }
    }

    @Test
    void redactionHidesTheSecretButKeepsThePublicId() {
        Credentials.Identity id = Credentials.generate();
        String line = "GET /socket/sse?sessionId=" + id.credential() + " 200";
        assertThat(Credentials.redact(line))
                .contains(id.publicId() + ".***")
                .doesNotContain(id.credential().substring(17));
    }
}
