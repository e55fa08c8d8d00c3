package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
