package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The recent entries' bounds by count, bytes and age, and the floor replays rely on. */
class RecentLogTest {

    private static LogEntry entry(long time) {
        return new LogEntry.Leave(time, "s", "r");
    }

    private static List<Long> positions(RecentLog log, long after) {
        return log.after(after).stream().map(RecentLog.Positioned::position).toList();
    }

    @Test
    void countBoundDropsTheOldestAndRaisesTheFloor() {
        RecentLog log = new RecentLog(3, Long.MAX_VALUE, Long.MAX_VALUE, 0);
        for (long p = 1; p <= 5; p++) {
            log.add(p, entry(0), 10, 1_000);
        }
        assertThat(positions(log, 0)).containsExactly(3L, 4L, 5L);
        assertThat(log.floor()).isEqualTo(2);
        assertThat(log.covers(1)).isFalse();
        assertThat(log.covers(2)).isTrue();
        assertThat(log.bytes()).isEqualTo(30);
    }

    @Test
    void byteBoundKeepsTheNewestThatFit() {
        RecentLog log = new RecentLog(100, 1_000, Long.MAX_VALUE, 0);
        for (long p = 1; p <= 10; p++) {
            log.add(p, entry(0), 300, 1_000);
        }
        assertThat(positions(log, 0)).containsExactly(8L, 9L, 10L);
        assertThat(log.bytes()).isEqualTo(900);
        assertThat(log.floor()).isEqualTo(7);
    }

    @Test
    void anEntryLargerThanTheBoundIsKeptAlone() {
        RecentLog log = new RecentLog(100, 1_000, Long.MAX_VALUE, 0);
        log.add(1, entry(0), 10, 1_000);
        log.add(2, entry(0), 5_000, 1_000);
        assertThat(positions(log, 0)).containsExactly(2L);
        assertThat(log.floor()).isEqualTo(1);
        log.add(3, entry(0), 10, 1_000);
        assertThat(positions(log, 0)).containsExactly(3L);
        assertThat(log.bytes()).isEqualTo(10);
    }

    @Test
    void ageBoundDropsWhatWasAddedTooLongAgo() {
        RecentLog log = new RecentLog(100, Long.MAX_VALUE, 1_000, 0);
        log.add(1, entry(0), 10, 10_000);
        log.add(2, entry(0), 10, 10_500);
        log.add(3, entry(0), 10, 11_000); // 1 is exactly 1,000 ms old: kept
        assertThat(positions(log, 0)).containsExactly(1L, 2L, 3L);
        log.add(4, entry(0), 10, 11_600); // 1 and 2 are over
        assertThat(positions(log, 0)).containsExactly(3L, 4L);
        assertThat(log.floor()).isEqualTo(2);
        assertThat(log.bytes()).isEqualTo(20);
    }

    @Test
    void resetForgetsTheBytesToo() {
        RecentLog log = new RecentLog(10, 100, Long.MAX_VALUE, 0);
        log.add(1, entry(0), 60, 0);
        log.reset(5);
        assertThat(log.bytes()).isZero();
        log.add(6, entry(0), 60, 0);
        log.add(7, entry(0), 30, 0);
        assertThat(positions(log, 0)).containsExactly(6L, 7L);
    }

    private static RecentLog.Positioned at(long position) {
        return new RecentLog.Positioned(position, entry(0));
    }

    @Test
    void olderEntriesReadForAReplayGoBeforeTheKeptOnesAndLowerTheFloor() {
        RecentLog log = new RecentLog(100, Long.MAX_VALUE, Long.MAX_VALUE, 10);
        log.add(11, entry(0), 10, 1_000);
        log.add(12, entry(0), 10, 1_000);

        int taken = log.prepend(0, List.of(at(6), at(7), at(8), at(9), at(10)), List.of(5, 5, 5, 5, 5), 10, 2_000);

        assertThat(taken).isEqualTo(5);
        assertThat(log.floor()).isEqualTo(5);
        assertThat(positions(log, 5)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(positions(log, 8)).containsExactly(9L, 10L, 11L, 12L);
        assertThat(log.bytes()).isEqualTo(45);
        assertThat(log.covers(5)).isTrue();
        assertThat(log.covers(4)).isFalse();
    }

    @Test
    void prependTakesTheNewestThatFitTheBounds() {
        RecentLog byCount = new RecentLog(4, Long.MAX_VALUE, Long.MAX_VALUE, 10);
        byCount.add(11, entry(0), 10, 0);
        byCount.add(12, entry(0), 10, 0);
        assertThat(byCount.prepend(0, List.of(at(7), at(8), at(9), at(10)), List.of(1, 1, 1, 1), 10, 0))
                .isEqualTo(2);
        assertThat(positions(byCount, 0)).containsExactly(9L, 10L, 11L, 12L);
        assertThat(byCount.floor()).isEqualTo(8);
        assertThat(byCount.hasRoom()).isFalse();

        RecentLog byBytes = new RecentLog(100, 100, Long.MAX_VALUE, 10);
        byBytes.add(11, entry(0), 60, 0);
        assertThat(byBytes.prepend(0, List.of(at(8), at(9), at(10)), List.of(20, 20, 20), 10, 0))
                .isEqualTo(2);
        assertThat(byBytes.floor()).isEqualTo(8);
        assertThat(byBytes.bytes()).isEqualTo(100);
    }

    @Test
    void prependStopsAtAHoleAndTakesNothingOnceTheFloorMoved() {
        RecentLog log = new RecentLog(100, Long.MAX_VALUE, Long.MAX_VALUE, 10);
        log.add(11, entry(0), 10, 0);
        // 8 could not be decoded (absent); 5..6 were lost (a marker at 6)
        List<RecentLog.Positioned> read =
                List.of(new RecentLog.Positioned(6, new LogEntry.Lost(0, 4, 7)), at(7), at(9), at(10));
        assertThat(log.prepend(0, read, List.of(0, 5, 5, 5), 10, 0)).isEqualTo(2);
        assertThat(log.floor()).isEqualTo(8);
        assertThat(log.prepend(0, List.of(at(5), at(6), at(7), at(8)), List.of(1, 1, 1, 1), 8, 0))
                .as("up to the new floor: taken")
                .isEqualTo(4);
        assertThat(positions(log, 0)).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);

        assertThat(log.prepend(0, List.of(at(3), at(4)), List.of(1, 1), 3, 0))
                .as("a read that ends before the floor would leave a hole")
                .isZero();
        assertThat(log.floor()).isEqualTo(4);
    }

    @Test
    void prependedEntriesLeaveFirstAndWithTheOldestKept() {
        RecentLog log = new RecentLog(100, Long.MAX_VALUE, 1_000, 10);
        log.add(11, entry(0), 10, 10_000);
        log.prepend(0, List.of(at(9), at(10)), List.of(10, 10), 10, 10_900);
        log.add(12, entry(0), 10, 10_900);
        assertThat(positions(log, 0)).containsExactly(9L, 10L, 11L, 12L);

        log.add(13, entry(0), 10, 11_500); // 11 is over the age: the older ones go with it

        assertThat(positions(log, 0)).containsExactly(12L, 13L);
        assertThat(log.floor()).isEqualTo(11);
        assertThat(log.bytes()).isEqualTo(20);
    }

    @Test
    void prependOfAPartitionKeepsTheOtherPartitionsEntries() {
        RecentLog log = new RecentLog(100, Long.MAX_VALUE, Long.MAX_VALUE, new long[] {10, 20});
        log.add(1, 21, entry(0), 1, 0);
        log.add(0, 11, entry(0), 1, 0);

        assertThat(log.prepend(
                        1,
                        List.of(new RecentLog.Positioned(1, 19, entry(0)), new RecentLog.Positioned(1, 20, entry(0))),
                        List.of(1, 1),
                        20,
                        0))
                .isEqualTo(2);
        assertThat(log.prepend(1, List.of(new RecentLog.Positioned(0, 18, entry(0))), List.of(1), 18, 0))
                .as("an entry of another partition")
                .isZero();

        assertThat(log.floor(1)).isEqualTo(18);
        assertThat(log.floor(0)).isEqualTo(10);
        assertThat(log.after(new long[] {10, 18}).stream()
                        .map(e -> e.partition() + ":" + e.position())
                        .toList())
                .containsExactly("1:19", "1:20", "1:21", "0:11");
    }
}
