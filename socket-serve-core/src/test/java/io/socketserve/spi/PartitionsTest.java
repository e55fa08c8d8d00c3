package io.socketserve.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link Partitions#of}: the routing every backend and the engine share. The expected values are
 * fixed: a change of the hash would move rooms between the partitions of a running deployment.
 */
class PartitionsTest {

    @Test
    void onePartitionIsAlwaysZero() {
        assertThat(Partitions.of("", 1)).isZero();
        assertThat(Partitions.of("game", 1)).isZero();
    }

    @Test
    void theHashIsCrc32OfTheUtf8BytesModuloTheCount() {
        // CRC-32 (IEEE 802.3, java.util.zip.CRC32): "game" = 0x232b318c, "" = 0
        assertThat(Partitions.of("game", 7)).isEqualTo((int) (0x232b318cL % 7));
        assertThat(Partitions.of("", 4)).isZero();
    }

    @Test
    void fixedValuesCatchAChangeOfHash() {
        assertThat(Partitions.of("game", 4)).isEqualTo(0);
        assertThat(Partitions.of("game", 16)).isEqualTo(12);
        assertThat(Partitions.of("lobby", 4)).isEqualTo(3);
        assertThat(Partitions.of("lobby", 7)).isEqualTo(1);
        assertThat(Partitions.of("/chat\u001Froom-1", 8)).isEqualTo(4); // a room key of namespace /chat
        assertThat(Partitions.of("Z\u00fcrich", 1024)).isEqualTo(318); // UTF-8, not Latin-1
        assertThat(Partitions.of("Z\u00fcrich", 4)).isEqualTo((int) (0xd30ba93eL % 4));
    }

    @Test
    void aPartitionCountOutsideOneToTheMaximumIsRejected() {
        assertThatThrownBy(() -> Partitions.of("a", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partitions.of("a", Partitions.MAX + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
