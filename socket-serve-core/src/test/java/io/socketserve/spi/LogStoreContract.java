package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.race;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LogStore}: positions, reads, reads backwards, trimming, subscriptions and
 * volatile entries. It needs nothing but a log.
 *
 * @param <S> the type under test
 */
public interface LogStoreContract<S extends LogStore> extends LogFixture<S> {

    // ------------------------------------------------------------------------------------ log

    @Test
    default void headIsZeroWhenTheLogIsEmpty() {
        assertThat(get(store().head())).isZero();
    }

    @Test
    default void appendReturnsPositionsOfAtLeastOne() {
        assertThat(append("a")).isGreaterThanOrEqualTo(1);
    }

    @Test
    default void appendReturnsStrictlyIncreasingPositions() {
        long a = append("a");
        long b = append("b");
        long c = append("c");
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    /** A jump means lost entries to the engine, so a store that lost nothing never jumps. */
    @Test
    default void appendsTakeContiguousPositions() throws Exception {
        long first = append("a");
        List<Long> positions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            positions.add(append("m" + i));
        }
        List<Long> expected = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            expected.add(first + i);
        }
        assertThat(positions).isEqualTo(expected);
        List<Long> concurrent = race(8, () -> append("x"));
        Collections.sort(concurrent);
        assertThat(concurrent.get(concurrent.size() - 1) - concurrent.get(0)).isEqualTo(concurrent.size() - 1L);
    }

    @Test
    default void headIsThePositionOfTheNewestEntry() {
        append("a");
        long b = append("b");
        assertThat(get(store().head())).isEqualTo(b);
    }

    @Test
    default void appendsIssuedFromOneThreadTakeEffectInCallOrder() {
        List<CompletionStage<Long>> stages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            stages.add(store().append(bytes("m" + i)));
        }
        List<Long> positions = new ArrayList<>();
        stages.forEach(s -> positions.add(get(s)));
        assertThat(positions).isSorted().doesNotHaveDuplicates();
    }

    @Test
    default void concurrentAppendsGetDistinctPositions() throws Exception {
        List<Long> positions = race(8, () -> append("x"));
        assertThat(positions).doesNotHaveDuplicates();
    }

    @Test
    default void readReturnsEntriesAfterThePositionInOrder() {
        long a = append("a");
        append("b");
        append("c");
        LogSlice slice = get(store().read(a, 100));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records()).extracting(LogRecord::position).isSorted();
    }

    @Test
    default void readFromZeroReturnsEverything() {
        append("a");
        append("b");
        assertThat(texts(get(store().read(0, 100)).records())).containsExactly("a", "b");
    }

    @Test
    default void readReturnsAtMostMaxEntries() {
        for (int i = 0; i < 5; i++) {
            append("m" + i);
        }
        assertThat(texts(get(store().read(0, 3)).records())).containsExactly("m0", "m1", "m2");
    }

    @Test
    default void readReportsTheHead() {
        append("a");
        long b = append("b");
        assertThat(get(store().read(0, 1)).head()).isEqualTo(b);
    }

    @Test
    default void readReportsTheOldestPositionWhenNothingWasTrimmed() {
        long a = append("a");
        append("b");
        assertThat(get(store().read(a, 10)).oldestPosition()).isEqualTo(a);
    }

    @Test
    default void readOfAnEmptyLogReportsHeadPlusOneAsOldest() {
        LogSlice slice = get(store().read(0, 10));
        assertThat(slice.records()).isEmpty();
        assertThat(slice.head()).isZero();
        assertThat(slice.oldestPosition()).isEqualTo(1);
    }

    @Test
    default void readAtTheHeadReturnsNothing() {
        long a = append("a");
        assertThat(get(store().read(a, 10)).records()).isEmpty();
    }

    @Test
    default void readPositionsMatchAppendPositions() {
        long a = append("a");
        long b = append("b");
        assertThat(get(store().read(0, 10)).records())
                .extracting(LogRecord::position)
                .containsExactly(a, b);
    }

    @Test
    default void entriesAreStoredByteForByte() {
        byte[] entry = new byte[256];
        for (int i = 0; i < entry.length; i++) {
            entry[i] = (byte) i;
        }
        long p = get(store().append(entry.clone()));
        LogRecord r = get(store().read(p - 1, 1)).records().get(0);
        assertThat(r.position()).isEqualTo(p);
        assertThat(r.entry()).isEqualTo(entry);
    }

    @Test
    default void logKeepsAtLeastMaxLogEntries() {
        S small = started(16);
        long last = 0;
        for (int i = 0; i < 400; i++) {
            last = get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(0, 1_000));
        assertThat(slice.head()).isEqualTo(last);
        assertThat(slice.records().size()).isGreaterThanOrEqualTo(16);
        assertThat(texts(slice.records())).endsWith("m399");
    }

    @Test
    default void logIsTrimmedPastMaxLogEntries() {
        S small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(0, 1_000));
        assertThat(slice.oldestPosition()).isGreaterThan(first);
        assertThat(texts(slice.records())).doesNotContain("first");
    }

    /** The byte bound keeps the newest entries whose lengths fit, and trims the rest (issue 13). */
    @Test
    default void logIsTrimmedPastMaxBytes() {
        S small = started(new LogRetention(1_000, 10_000, Duration.ofHours(1)));
        long first = get(small.append(new byte[1_000]));
        long last = first;
        for (int i = 0; i < 99; i++) {
            byte[] entry = new byte[1_000];
            entry[0] = (byte) i;
            last = get(small.append(entry));
        }
        LogSlice slice = get(small.read(0, 1_000));
        long kept = slice.records().stream().mapToLong(r -> r.entry().length).sum();
        assertThat(kept).isLessThanOrEqualTo(10_000);
        assertThat(slice.records()).hasSize(10); // the newest ten fit exactly
        assertThat(slice.records().get(9).position()).isEqualTo(last);
        assertThat(slice.oldestPosition()).isGreaterThan(first).isEqualTo(last - 9);
        assertThat(get(small.readBefore(last + 1, 1_000)).records()).hasSize(10);
    }

    /** One entry larger than the whole byte bound pushes every older entry out, and is kept itself. */
    @Test
    default void anEntryLargerThanMaxBytesIsKeptAloneAndPushesOutTheRest() {
        S small = started(new LogRetention(1_000, 4_096, Duration.ofHours(1)));
        for (int i = 0; i < 50; i++) {
            get(small.append(bytes("m" + i)));
        }
        long big = get(small.append(new byte[10_000]));
        LogSlice slice = get(small.read(0, 1_000));
        assertThat(slice.oldestPosition()).isEqualTo(big);
        assertThat(slice.records()).hasSize(1);
        assertThat(slice.records().get(0).entry()).hasSize(10_000);
        long next = get(small.append(bytes("after")));
        assertThat(get(small.read(0, 1_000)).oldestPosition()).isEqualTo(next); // the big one goes next
    }

    /** Entries older than the age bound are trimmed (at the latest when something is appended). */
    @Test
    default void logIsTrimmedPastMaxAge() {
        S small = started(new LogRetention(1_000, Long.MAX_VALUE, Duration.ofMillis(1_500)));
        long old = get(small.append(bytes("old")));
        get(small.append(bytes("young")));
        assertThat(texts(get(small.read(0, 100)).records())).contains("old"); // not before its time
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long p = get(small.append(bytes("tick")));
            LogSlice slice = get(small.read(0, 1_000));
            assertThat(slice.oldestPosition()).isGreaterThan(old);
            assertThat(texts(slice.records())).doesNotContain("old").endsWith("tick");
            assertThat(slice.head()).isEqualTo(p);
        });
    }

    /** A subscriber that byte trimming overtook is told, as with count trimming. */
    @Test
    default void aSubscriberBehindTheByteBoundGetsAGap() {
        S small = started(new LogRetention(1_000, 2_000, Duration.ofHours(1)));
        long first = get(small.append(new byte[1_000]));
        long last = first;
        for (int i = 0; i < 20; i++) {
            last = get(small.append(new byte[1_000]));
        }
        Recorder r = new Recorder();
        subscribe(small, first - 1, r);
        long head = last;
        await().atMost(OPERATION_TIMEOUT).untilAsserted(() -> {
            assertThat(r.gaps).isNotEmpty();
            assertThat(r.positions()).endsWith(head);
        });
        assertThat(r.gaps.get(0)[0]).isEqualTo(first - 1);
        assertThat(r.positions().get(0)).isEqualTo(r.gaps.get(0)[1]);
    }

    @Test
    default void readFromBeforeTheOldestStartsAtTheOldestAndReportsIt() {
        S small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(first, 10));
        assertThat(slice.oldestPosition()).isGreaterThan(first + 1);
        assertThat(slice.records().get(0).position()).isEqualTo(slice.oldestPosition());
    }

    // ----------------------------------------------------------------------------- readBefore

    /** Walks the log backwards from the head in chunks of {@code chunk}; the records in log order. */
    private static List<LogRecord> walkBack(LogStore b, int chunk) {
        List<LogRecord> newestFirst = new ArrayList<>();
        long before = get(b.head()) + 1;
        while (true) {
            LogSlice slice = get(b.readBefore(before, chunk));
            List<LogRecord> records = slice.records();
            assertThat(records.size()).isLessThanOrEqualTo(chunk);
            for (int i = records.size() - 1; i >= 0; i--) {
                newestFirst.add(records.get(i));
            }
            if (records.size() < chunk || records.get(0).position() <= slice.oldestPosition()) {
                break;
            }
            before = records.get(0).position();
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    @Test
    default void readBeforeReturnsTheNewestEntriesBeforeThePositionInLogOrder() {
        append("a");
        append("b");
        append("c");
        long d = append("d");
        append("e");
        LogSlice slice = get(store().readBefore(d, 2));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records()).extracting(LogRecord::position).isSorted().allMatch(p -> p < d);
    }

    @Test
    default void readBeforeTheHeadPlusOneEndsWithTheNewestEntry() {
        append("a");
        append("b");
        long c = append("c");
        LogSlice slice = get(store().readBefore(c + 1, 2));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records().get(1).position()).isEqualTo(c);
        assertThat(slice.head()).isEqualTo(c);
    }

    @Test
    default void readBeforeFarBeyondTheHeadReturnsTheNewestEntries() {
        append("a");
        append("b");
        assertThat(texts(get(store().readBefore(Long.MAX_VALUE, 1)).records())).containsExactly("b");
    }

    @Test
    default void readBeforeReturnsFewerThanMaxAtTheStartOfTheLogAndReportsTheOldest() {
        long a = append("a");
        long b = append("b");
        LogSlice slice = get(store().readBefore(b + 1, 10));
        assertThat(texts(slice.records())).containsExactly("a", "b");
        assertThat(slice.oldestPosition()).isEqualTo(a);
    }

    @Test
    default void readBeforeTheOldestEntryReturnsNothing() {
        long a = append("a");
        append("b");
        assertThat(get(store().readBefore(a, 10)).records()).isEmpty();
        assertThat(get(store().readBefore(0, 10)).records()).isEmpty();
    }

    @Test
    default void readBeforeOfAnEmptyLogReturnsNothingAndHeadPlusOneAsOldest() {
        LogSlice slice = get(store().readBefore(1, 10));
        assertThat(slice.records()).isEmpty();
        assertThat(slice.head()).isZero();
        assertThat(slice.oldestPosition()).isEqualTo(1);
    }

    @Test
    default void readBeforeRejectsAMaxBelowOne() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store().readBefore(1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    default void readBeforeWalksBackInChunksToTheStartOfTheLog() {
        List<Long> appended = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            appended.add(append("m" + i));
        }
        assertThat(walkBack(store(), 7)).extracting(LogRecord::position).containsExactlyElementsOf(appended);
    }

    @Test
    default void readBeforeMatchesReadByteForByte() {
        byte[] entry = new byte[256];
        for (int i = 0; i < entry.length; i++) {
            entry[i] = (byte) i;
        }
        long p = get(store().append(entry.clone()));
        LogRecord r = get(store().readBefore(p + 1, 1)).records().get(0);
        assertThat(r.position()).isEqualTo(p);
        assertThat(r.entry()).isEqualTo(entry);
    }

    @Test
    default void readBeforeStopsAtTheOldestEntryAfterTrimming() {
        S small = started(16);
        get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        long oldest = get(small.read(0, 1)).oldestPosition();
        List<LogRecord> all = walkBack(small, 16);
        assertThat(texts(all)).doesNotContain("first").endsWith("m398", "m399");
        assertThat(all.get(0).position()).isEqualTo(oldest);
        assertThat(all).extracting(LogRecord::position).isSorted().doesNotHaveDuplicates();
    }

    @Test
    default void readBeforeSeesAppendsOfAnotherInstance() {
        S other = otherInstance();
        append("mine");
        long p = get(other.append(bytes("from other")));
        LogSlice slice = get(store().readBefore(p + 1, 10));
        assertThat(texts(slice.records())).containsExactly("mine", "from other");
    }

    // ----------------------------------------------------------------------------- partitions

    @Test
    default void thePartitionCountIsBetweenOneAndTheMaximum() {
        assertThat(store().partitions()).isBetween(1, Partitions.MAX);
    }

    /** Each partition is a log of its own: its positions start at 1 and are contiguous. */
    @Test
    default void eachPartitionTakesContiguousPositionsOfItsOwn() {
        int n = store().partitions();
        long[] heads = get(store().heads()).toArray();
        List<List<Long>> positions = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            positions.add(new ArrayList<>());
        }
        for (int i = 0; i < 10 * n; i++) {
            int p = (i * 7) % n;
            positions.get(p).add(get(store().append(p, bytes("p" + p + "-" + i))));
        }
        for (int p = 0; p < n; p++) {
            List<Long> expected = new ArrayList<>();
            for (int k = 1; k <= positions.get(p).size(); k++) {
                expected.add(heads[p] + k);
            }
            assertThat(positions.get(p)).as("partition %d", p).isEqualTo(expected);
            assertThat(get(store().head(p)))
                    .isEqualTo(heads[p] + positions.get(p).size());
        }
        assertThat(get(store().heads()).toArray())
                .containsExactly(
                        positions.stream().mapToLong(l -> l.get(l.size() - 1)).toArray());
    }

    @Test
    default void aReadOfAPartitionReturnsItsEntriesOnlyInOrderWithTheirPartition() {
        int n = store().partitions();
        int last = n - 1;
        long before = get(store().head(last));
        get(store().append(last, bytes("x1")));
        if (n > 1) {
            get(store().append(0, bytes("elsewhere")));
        }
        get(store().append(last, bytes("x2")));
        LogSlice slice = get(store().read(last, before, 10));
        assertThat(texts(slice.records())).containsExactly("x1", "x2");
        assertThat(slice.records()).extracting(LogRecord::partition).containsOnly(last);
        assertThat(slice.head()).isEqualTo(before + 2);
        LogSlice back = get(store().readBefore(last, before + 3, 10));
        assertThat(texts(back.records())).endsWith("x1", "x2");
    }

    @Test
    default void aPartitionTheLogDoesNotHaveIsRejected() {
        int n = store().partitions();
        // thrown at once or failing the stage: either way an IllegalArgumentException
        assertThat(innermost(org.assertj.core.api.Assertions.catchThrowable(() -> get(store().append(n, bytes("x"))))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(innermost(org.assertj.core.api.Assertions.catchThrowable(() -> get(store().head(-1)))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Throwable innermost(Throwable t) {
        assertThat(t).isNotNull();
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A subscription over every partition: each partition in order, exactly once, from its own position. */
    @Test
    default void aSubscriptionDeliversEveryPartitionEachInOrderFromItsOwnPosition() throws Exception {
        int n = store().partitions();
        for (int p = 0; p < n; p++) {
            get(store().append(p, bytes("before-" + p)));
        }
        long[] from = get(store().heads()).toArray();
        Recorder rec = new Recorder();
        subscribe(store(), from, rec);
        List<Long> appended = Collections.synchronizedList(new ArrayList<>());
        race(4, () -> {
            for (int i = 0; i < 25 * n; i++) {
                int p = i % n;
                get(store().append(p, bytes("p" + p)));
            }
            return null;
        });
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() >= 100 * n);
        assertThat(rec.overlapped).isFalse();
        for (int p = 0; p < n; p++) {
            List<LogRecord> mine = rec.of(p);
            List<Long> expected = new ArrayList<>();
            for (int k = 1; k <= 100; k++) {
                expected.add(from[p] + k);
            }
            assertThat(mine)
                    .extracting(LogRecord::position)
                    .as("partition %d", p)
                    .isEqualTo(expected);
            assertThat(texts(mine)).containsOnly("p" + p);
        }
        assertThat(rec.records).hasSize(100 * n);
    }

    /** Trimming is per partition, and so is the gap a subscriber behind it is told about. */
    @Test
    default void aSubscriberIsToldOfTheGapOfThePartitionThatWasTrimmed() {
        int n = store().partitions();
        S small = started(16);
        int busy = n - 1;
        long first = get(small.append(busy, bytes("first")));
        for (int i = 0; i < 100; i++) {
            get(small.append(busy, bytes("m" + i)));
        }
        if (n > 1) {
            get(small.append(0, bytes("quiet")));
        }
        long oldest = get(small.read(busy, 0, 1)).oldestPosition();
        assertThat(oldest).isGreaterThan(first);
        long[] after = new long[n];
        after[busy] = first - 1;
        Recorder rec = new Recorder();
        subscribe(small, after, rec);
        // a single-partition store reports through onGap(long, long), a partitioned one per partition
        List<long[]> gaps = n == 1 ? rec.gaps : rec.partitionGaps;
        await().atMost(OPERATION_TIMEOUT)
                .until(() -> !gaps.isEmpty() && rec.of(busy).size() >= 16);
        assertThat(gaps).hasSize(1);
        if (n == 1) {
            assertThat(gaps.get(0)).containsExactly(first - 1, oldest);
        } else {
            assertThat(gaps.get(0)).containsExactly(busy, first - 1, oldest);
        }
        if (n > 1) {
            await().atMost(OPERATION_TIMEOUT).until(() -> rec.of(0).size() == 1);
            assertThat(texts(rec.of(0))).containsExactly("quiet");
        }
        assertThat(texts(rec.of(busy))).endsWith("m98", "m99").doesNotContain("first");
    }

    // ------------------------------------------------------------------------------ subscribe

    @Test
    default void subscribeDeliversExistingEntriesAfterThePosition() {
        long a = append("a");
        append("b");
        append("c");
        Recorder rec = new Recorder();
        subscribe(store(), a, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 2);
        assertThat(rec.texts()).containsExactly("b", "c");
    }

    @Test
    default void subscribeDeliversLaterAppends() {
        Recorder rec = new Recorder();
        subscribe(store(), get(store().head()), rec);
        long p = append("later");
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 1);
        assertThat(rec.records.get(0).position()).isEqualTo(p);
        assertThat(rec.texts()).containsExactly("later");
    }

    @Test
    default void subscribeFromTheHeadDeliversOnlyNewEntries() {
        append("old");
        Recorder rec = new Recorder();
        subscribe(store(), get(store().head()), rec);
        append("new");
        await().atMost(OPERATION_TIMEOUT).until(() -> !rec.records.isEmpty());
        assertThat(rec.texts()).containsExactly("new");
    }

    @Test
    default void subscribeDeliversEveryEntryOnceInLogOrder() throws Exception {
        Recorder rec = new Recorder();
        subscribe(store(), 0, rec);
        List<Long> appended = Collections.synchronizedList(new ArrayList<>());
        race(8, () -> {
            for (int i = 0; i < 50; i++) {
                appended.add(append("x"));
            }
            return null;
        });
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() >= 400);
        assertThat(rec.positions()).isSorted().doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(appended);
    }

    @Test
    default void subscribeDeliversToTheListenerSerially() throws Exception {
        Recorder rec = new Recorder();
        subscribe(store(), 0, rec);
        race(4, () -> {
            for (int i = 0; i < 50; i++) {
                append("x");
            }
            return null;
        });
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() >= 200);
        assertThat(rec.overlapped).isFalse();
        assertThat(rec.emptyBatch).isFalse();
    }

    @Test
    default void subscribeSeesAppendsOfAnotherInstance() {
        S other = otherInstance();
        Recorder rec = new Recorder();
        subscribe(store(), get(store().head()), rec);
        long p = get(other.append(bytes("from other")));
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.positions().contains(p));
    }

    @Test
    default void subscribeReportsAGapWhenTheLogWasTrimmedPastItsPosition() {
        S small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        long oldest = get(small.read(0, 1)).oldestPosition();
        Recorder rec = new Recorder();
        subscribe(small, first - 1, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> !rec.gaps.isEmpty() && !rec.records.isEmpty());
        assertThat(rec.gaps.get(0)[0]).isEqualTo(first - 1);
        assertThat(rec.gaps.get(0)[1]).isEqualTo(oldest);
        assertThat(rec.records.get(0).position()).isEqualTo(oldest);
    }

    @Test
    default void subscribeReportsNoGapWhenNothingWasTrimmed() {
        append("a");
        append("b");
        Recorder rec = new Recorder();
        subscribe(store(), 0, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 2);
        assertThat(rec.gaps).isEmpty();
    }

    @Test
    default void closedSubscriptionDeliversNothingMore() {
        Recorder rec = new Recorder();
        LogSubscription s = subscribe(store(), get(store().head()), rec);
        append("before");
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 1);
        s.close();
        append("after");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> rec.records.size() == 1);
    }

    @Test
    default void closingASubscriptionTwiceIsHarmless() {
        LogSubscription s = subscribe(store(), 0, new Recorder());
        s.close();
        s.close();
    }

    @Test
    default void closingOneSubscriptionLeavesOthersRunning() {
        Recorder closed = new Recorder();
        Recorder open = new Recorder();
        long head = get(store().head());
        subscribe(store(), head, closed).close();
        subscribe(store(), head, open);
        append("x");
        await().atMost(OPERATION_TIMEOUT).until(() -> open.records.size() == 1);
        assertThat(closed.records).isEmpty();
    }

    // ------------------------------------------------------------------------------- volatile

    @Test
    default void publishVolatileReachesSubscribersWithoutEnteringTheLog() {
        VolatileRecorder r = new VolatileRecorder();
        subscribe(store(), get(store().head()), r);
        long head = get(store().head());
        // Volatile entries published before a subscription is listening are missed by design:
        // publish until one arrives.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    get(store().publishVolatile(bytes("cursor")));
                    return r.volatiles.contains("cursor");
                });
        assertThat(get(store().head())).isEqualTo(head);
        assertThat(get(store().read(0, 100)).records()).isEmpty();
        assertThat(r.records).isEmpty();
    }

    @Test
    default void publishVolatileReachesEveryInstance() {
        S other = otherInstance();
        VolatileRecorder mine = new VolatileRecorder();
        VolatileRecorder theirs = new VolatileRecorder();
        subscribe(store(), 0, mine);
        subscribe(other, 0, theirs);
        // A subscription may take a moment to be listening; keep publishing until both have one.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    get(store().publishVolatile(bytes("v")));
                    return !mine.volatiles.isEmpty() && !theirs.volatiles.isEmpty();
                });
    }
}
