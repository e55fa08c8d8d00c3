package io.socketserve.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeysTest {

    private final Keys keys = new Keys("chat");

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void thePrefixIsTheHashTag() {
        assertThat(s(keys.prefix())).isEqualTo("{chat}:");
    }

    @Test
    void keysFollowTheDocumentedLayout() {
        assertThat(s(keys.log())).isEqualTo("{chat}:log");
        assertThat(s(keys.expiry())).isEqualTo("{chat}:exp");
        assertThat(s(keys.session("abc"))).isEqualTo("{chat}:s:abc");
        assertThat(s(keys.sessionData("abc"))).isEqualTo("{chat}:sd:abc");
        assertThat(s(keys.room("/#lobby"))).isEqualTo("{chat}:r:/#lobby");
        assertThat(s(keys.kv("k"))).isEqualTo("{chat}:kv:k");
    }

    @Test
    void streamIdsCarryThePosition() {
        assertThat(Replies.position("0-42")).isEqualTo(42);
        assertThat(Replies.position("0-9007199254740991")).isEqualTo(9007199254740991L);
    }
}
