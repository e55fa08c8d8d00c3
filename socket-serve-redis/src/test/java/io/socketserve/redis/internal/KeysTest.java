package io.socketserve.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socketserve.spi.Partitions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
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

    // ------------------------------------------------------------------------ slots and partitions

    /** Values from {@code CLUSTER KEYSLOT} of Redis 7.0. */
    @Test
    void slotIsCrc16XmodemModulo16384AsRedisComputesIt() {
        // CRC16-XMODEM("123456789") = 0x31C3, the algorithm's check value
        assertThat(Keys.slot("123456789")).isEqualTo(0x31C3 % Keys.SLOTS).isEqualTo(12739);
        assertThat(Keys.slot("foo")).isEqualTo(12182);
        assertThat(Keys.slot("bar")).isEqualTo(5061);
        assertThat(Keys.slot("chat.0.0")).isEqualTo(10313);
    }

    @Test
    void slotHashesOnlyTheHashTag() {
        assertThat(Keys.slot("{user1000}.following")).isEqualTo(3443).isEqualTo(Keys.slot("user1000"));
        assertThat(Keys.slot("{user1000}.followers")).isEqualTo(Keys.slot("{user1000}.following"));
        // an empty tag: the whole key is hashed
        assertThat(Keys.slot("foo{}{bar}")).isEqualTo(8363);
    }

    @Test
    void onePartitionKeepsTheLayoutBeforePartitionsExactly() {
        Keys one = new Keys("chat", 1);
        assertThat(one.prefixString(0)).isEqualTo("{chat}:");
        assertThat(s(one.prefix(0))).isEqualTo("{chat}:");
        assertThat(s(one.log(0))).isEqualTo("{chat}:log");
        assertThat(s(one.expiry(0))).isEqualTo("{chat}:exp");
        assertThat(s(one.presenceLive(0))).isEqualTo("{chat}:plive");
        assertThat(s(one.presenceOffline(0))).isEqualTo("{chat}:poff");
        assertThat(s(one.session("abc"))).isEqualTo("{chat}:s:abc");
        assertThat(s(one.sessionRooms("abc"))).isEqualTo("{chat}:sr:abc");
        assertThat(s(one.room("/#lobby"))).isEqualTo("{chat}:r:/#lobby");
        assertThat(s(one.presenceUsers("/#lobby"))).isEqualTo("{chat}:pru:/#lobby");
        assertThat(s(one.kv("k"))).isEqualTo("{chat}:kv:k");
        assertThat(s(one.rateLimit("k"))).isEqualTo("{chat}:rl:k");
        assertThat(s(one.volatileChannel())).isEqualTo("{chat}:volatile");
        assertThat(s(one.meta())).isEqualTo("{chat}:meta");
        assertThat(one.sessionPartition("abc")).isZero();
        assertThat(one.roomPartition("/#lobby")).isZero();
    }

    @Test
    void eachPartitionsTagLandsInItsShareOfTheSlots() {
        for (int partitions : new int[] {2, 3, 4, 6, 12, 16, 100, Partitions.MAX}) {
            Keys keys = new Keys("chat", partitions);
            for (int p = 0; p < partitions; p++) {
                int from = (int) ((long) p * Keys.SLOTS / partitions);
                int to = (int) ((long) (p + 1) * Keys.SLOTS / partitions);
                String prefix = keys.prefixString(p);
                assertThat(prefix).startsWith("{chat." + p + ".").endsWith("}:");
                assertThat(Keys.slot(prefix))
                        .as("slot of partition %d of %d (%s)", p, partitions, prefix)
                        .isBetween(from, to - 1);
                assertThat(Keys.slot(s(keys.log(p)))).isEqualTo(Keys.slot(prefix));
            }
        }
    }

    @Test
    void threePartitionsOnThreeEqualMastersPutOnePartitionOnEach() {
        // redis-cli --cluster create gives 3 masters 0..5460, 5461..10922, 10923..16383
        Keys keys = new Keys("ss", 3);
        assertThat(Keys.slot(keys.prefixString(0))).isBetween(0, 5460);
        assertThat(Keys.slot(keys.prefixString(1))).isBetween(5461, 10922);
        assertThat(Keys.slot(keys.prefixString(2))).isBetween(10923, 16383);
    }

    @Test
    void tagsAreTheSameEveryTime() {
        Keys a = new Keys("chat", 12);
        Keys b = new Keys("chat", 12);
        for (int p = 0; p < 12; p++) {
            assertThat(a.prefixString(p)).isEqualTo(b.prefixString(p)).isEqualTo("{" + Keys.tag("chat", p, 12) + "}:");
        }
        // another prefix, other tags
        assertThat(new Keys("other", 12).prefixString(0)).isNotEqualTo(a.prefixString(0));
        List<String> prefixes = new ArrayList<>();
        for (int p = 0; p < 12; p++) {
            prefixes.add(a.prefixString(p));
        }
        assertThat(prefixes).doesNotHaveDuplicates();
    }

    @Test
    void everyKeyIsInTheSlotOfItsPartition() {
        Keys keys = new Keys("chat", 6);
        for (int i = 0; i < 50; i++) {
            String id = "session-" + i;
            String room = "/#room-" + i;
            int sp = Partitions.of(id, 6);
            int rp = Partitions.of(room, 6);
            assertThat(keys.sessionPartition(id)).isEqualTo(sp);
            assertThat(keys.roomPartition(room)).isEqualTo(rp);
            assertThat(keys.keyPartition(room)).isEqualTo(rp);
            int sessionSlot = Keys.slot(keys.prefixString(sp));
            for (Function<String, byte[]> k :
                    List.<Function<String, byte[]>>of(keys::session, keys::sessionData, keys::sessionRooms)) {
                String key = s(k.apply(id));
                assertThat(key).startsWith(keys.prefixString(sp));
                assertThat(Keys.slot(key)).isEqualTo(sessionSlot);
            }
            int roomSlot = Keys.slot(keys.prefixString(rp));
            for (Function<String, byte[]> k :
                    List.<Function<String, byte[]>>of(keys::room, keys::presenceUsers, keys::kv, keys::rateLimit)) {
                String key = s(k.apply(room));
                assertThat(key).startsWith(keys.prefixString(rp));
                assertThat(Keys.slot(key)).isEqualTo(roomSlot);
            }
        }
        for (int p = 0; p < 6; p++) {
            int slot = Keys.slot(keys.prefixString(p));
            assertThat(Keys.slot(s(keys.expiry(p)))).isEqualTo(slot);
            assertThat(Keys.slot(s(keys.presenceLive(p)))).isEqualTo(slot);
            assertThat(Keys.slot(s(keys.presenceOffline(p)))).isEqualTo(slot);
        }
    }

    @Test
    void roomNamesWithBracesDoNotMoveTheKeyToAnotherSlot() {
        Keys keys = new Keys("chat", 6);
        String room = "/#{evil}";
        assertThat(Keys.slot(s(keys.room(room)))).isEqualTo(Keys.slot(keys.prefixString(keys.roomPartition(room))));
    }

    @Test
    void theMetaKeyIsUnderThePlainPrefixWhateverThePartitionCount() {
        assertThat(s(new Keys("chat", 6).meta())).isEqualTo("{chat}:meta");
        assertThat(s(new Keys("chat", 1).meta())).isEqualTo("{chat}:meta");
    }

    @Test
    void aPartitionCountOutOfRangeIsRefused() {
        assertThatThrownBy(() -> new Keys("chat", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Keys("chat", Partitions.MAX + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
