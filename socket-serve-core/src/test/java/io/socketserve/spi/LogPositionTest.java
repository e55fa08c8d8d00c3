package io.socketserve.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The text form of a {@link LogPosition}: what clients see as ids and send back (issue 15). */
class LogPositionTest {

    @Test
    void onePartitionIsThePlainDecimalPositionAsBeforePartitions() {
        assertThat(LogPosition.of(0).encode()).isEqualTo("0");
        assertThat(LogPosition.of(1234567).encode()).isEqualTo("1234567");
        assertThat(LogPosition.parse("1234567", 1)).isEqualTo(LogPosition.of(1234567));
        assertThat(LogPosition.parse("999999999999999999", 1).single()).isEqualTo(999_999_999_999_999_999L);
    }

    @Test
    void severalPartitionsAreBase36ComponentsJoinedByDots() {
        LogPosition p = LogPosition.of(0, 35, 36, 1_000_000);
        assertThat(p.encode()).isEqualTo("0.z.10.lfls");
        assertThat(LogPosition.parse("0.z.10.lfls", 4)).isEqualTo(p);
        assertThat(p.toString()).isEqualTo(p.encode());
    }

    @Test
    void theLargestComponentRoundTrips() {
        long max = Long.parseLong("zzzzzzzzzzzz", 36); // 12 digits: below Long.MAX_VALUE
        LogPosition p = LogPosition.of(max, 1);
        assertThat(LogPosition.parse(p.encode(), 2)).isEqualTo(p);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1.2.3", // too few
                "1.2.3.4.5", // too many
                "1..3.4", // empty component
                "1.2.3.", // trailing dot
                ".1.2.3",
                "1.2.3.A", // upper case
                "1.2.3.-4", // sign
                "1.2.3.+4",
                "1.2.3.4 ",
                "1.2.3.zzzzzzzzzzzzz", // 13 digits: could overflow
                "1,2,3,4",
                "12"
            })
    void aMalformedVectorIsRejected(String text) {
        assertThatThrownBy(() -> LogPosition.parse(text, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1.2", "abc", "1234567890123456789", " 1"})
    void aMalformedSinglePositionIsRejected(String text) {
        assertThatThrownBy(() -> LogPosition.parse(text, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void coversAndMaxAreComponentWise() {
        LogPosition a = LogPosition.of(1, 5);
        LogPosition b = LogPosition.of(3, 2);
        assertThat(a.covers(b)).isFalse();
        assertThat(b.covers(a)).isFalse();
        assertThat(a.max(b)).isEqualTo(LogPosition.of(3, 5));
        assertThat(a.max(b).covers(a)).isTrue();
        assertThat(a.with(1, 9)).isEqualTo(LogPosition.of(1, 9));
        assertThatThrownBy(() -> a.covers(LogPosition.of(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.single()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> LogPosition.of(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
