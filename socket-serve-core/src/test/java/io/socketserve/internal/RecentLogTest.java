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
}
