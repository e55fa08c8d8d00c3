package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socketserve.spi.MembershipChange;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

    @Test
    void messageRoundTrips() {
        LogEntry.Message m = new LogEntry.Message(
                42,
                "/",
                LogEntry.TargetType.ROOMS,
                List.of("a", "ü"),
                List.of("b"),
                List.of("s1"),
                true,
                "{\"event\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        LogEntry.Message back = (LogEntry.Message) EntryCodec.decode(EntryCodec.encode(m));
        assertThat(back.time()).isEqualTo(42);
        assertThat(back.targets()).containsExactly("a", "ü");
        assertThat(back.exceptRooms()).containsExactly("b");
        assertThat(back.exceptSessions()).containsExactly("s1");
        assertThat(back.isVolatile()).isTrue();
        assertThat(back.frame()).isEqualTo(m.frame());
    }

    @Test
    void membershipAndControlEntriesRoundTrip() {
        assertThat(EntryCodec.decode(EntryCodec.encode(new LogEntry.Join(1, "s", "r"))))
                .isEqualTo(new LogEntry.Join(1, "s", "r"));
        assertThat(EntryCodec.decode(EntryCodec.encode(new LogEntry.Leave(2, "s", "r"))))
                .isEqualTo(new LogEntry.Leave(2, "s", "r"));
        assertThat(EntryCodec.decode(EntryCodec.encode(new LogEntry.Disconnect(3, "s", "why"))))
                .isEqualTo(new LogEntry.Disconnect(3, "s", "why"));
        LogEntry.AckReply reply = (LogEntry.AckReply)
                EntryCodec.decode(EntryCodec.encode(new LogEntry.AckReply(4, "s", "m", new byte[] {'1'})));
        assertThat(reply.messageId()).isEqualTo("m");
        assertThat(reply.data()).containsExactly('1');
    }

    @Test
    void garbageIsRejectedClearly() {
        assertThatThrownBy(() -> EntryCodec.decode(new byte[] {9, 9}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> EntryCodec.decode(new byte[] {1, 1, 0})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchEntriesRoundTrip() {
        LogEntry.MembershipBatch batch = new LogEntry.MembershipBatch(
                7,
                List.of(
                        new MembershipChange("s1", "/chat\u001froom \"x\"", true),
                        new MembershipChange("s2", "ü\\/", false)));
        assertThat(EntryCodec.decode(EntryCodec.encode(batch))).isEqualTo(batch);
        LogEntry.DisconnectBatch bye = new LogEntry.DisconnectBatch(8, List.of("s1", "s2"), "server disconnect");
        assertThat(EntryCodec.decode(EntryCodec.encode(bye))).isEqualTo(bye);
    }

    @Test
    void aBatchEntryIsThePrefixFollowedByJson() {
        byte[] prefix = EntryCodec.membershipBatchPrefix(0x0102030405060708L);
        assertThat(prefix).hasSize(10);
        byte[] entry = EntryCodec.encode(
                new LogEntry.MembershipBatch(0x0102030405060708L, List.of(new MembershipChange("s", "r", true))));
        assertThat(entry).startsWith(prefix);
        assertThat(new String(entry, 10, entry.length - 10, StandardCharsets.UTF_8))
                .isEqualTo("{\"c\":[[\"s\",\"r\",true]]}");
        // the time sits where every other entry kind has it
        LogEntry join = EntryCodec.decode(EntryCodec.encode(new LogEntry.Join(0x0102030405060708L, "s", "r")));
        assertThat(EntryCodec.decode(entry).time()).isEqualTo(join.time());
    }

    @Test
    void batchBodiesAsRedisCjsonWritesThemDecode() {
        // cjson escapes '/', writes control characters as backslash-u escapes, and orders keys as it likes
        byte[] membership = concat(
                EntryCodec.membershipBatchPrefix(5),
                "{\"x\":{\"y\":[1]},\"c\":[[\"s1\",\"\\/chat\\u001flobby\",true],[\"s1\",\"r\",false]]}");
        assertThat(EntryCodec.decode(membership))
                .isEqualTo(new LogEntry.MembershipBatch(
                        5,
                        List.of(
                                new MembershipChange("s1", "/chat\u001flobby", true),
                                new MembershipChange("s1", "r", false))));
        byte[] removal =
                concat(EntryCodec.disconnectBatchPrefix(6), "{\"s\":[\"a\",\"b\"],\"r\":\"server disconnect\"}");
        assertThat(EntryCodec.decode(removal))
                .isEqualTo(new LogEntry.DisconnectBatch(6, List.of("a", "b"), "server disconnect"));
    }

    @Test
    void corruptBatchBodiesAreRejectedClearly() {
        for (String body :
                List.of("", "[]", "{}", "{\"c\":[[\"s\",\"r\"]]}", "{\"c\":[[\"s\",\"r\",1]]}", "{\"c\":[")) {
            assertThatThrownBy(() -> EntryCodec.decode(concat(EntryCodec.membershipBatchPrefix(1), body)))
                    .as(body)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String body : List.of("{\"s\":[\"a\"]}", "{\"r\":\"x\"}", "{\"r\":\"x\",\"s\":[1]}")) {
            assertThatThrownBy(() -> EntryCodec.decode(concat(EntryCodec.disconnectBatchPrefix(1), body)))
                    .as(body)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static byte[] concat(byte[] prefix, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }
}
