package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Helpers for the contracts of every part that writes to the log: appending text, reading it back,
 * subscribing with a {@link Recorder}. No tests of its own.
 *
 * @param <S> the type under test, a log at least
 */
public interface LogFixture<S extends LogStore> extends PartContract<S> {

    /** Appends {@code text} to the log of {@link #store()}; its position. */
    default long append(String text) {
        return get(store().append(bytes(text)));
    }

    /**
     * Appends {@code entry} to {@code partition} of the log of {@link #store()}: with one partition
     * through {@link LogStore#append(byte[])}, as the tests did before partitions, else through
     * {@link LogStore#append(int, byte[])}.
     */
    default CompletionStage<Long> appendTo(int partition, byte[] entry) {
        return store().partitions() == 1 ? store().append(entry) : store().append(partition, entry);
    }

    /**
     * The partition the log of {@link #store()} routes entries about {@code key} to (a room's, a
     * session's): {@link Partitions#of}, always 0 with one partition.
     */
    default int partitionOf(String key) {
        return Partitions.of(key, store().partitions());
    }

    /** The heads of every partition of the log of {@link #store()}. */
    default LogPosition heads() {
        return get(store().heads());
    }

    /** The head of one partition of the log of {@link #store()}. */
    default long head(int partition) {
        return get(store().head(partition));
    }

    /**
     * The records of every partition after that partition's component of {@code after}: partition
     * 0's first, each partition's in log order. With one partition, the log after {@code
     * after.single()}.
     */
    default List<LogRecord> recordsAfter(LogPosition after) {
        List<LogRecord> out = new ArrayList<>();
        for (int p = 0; p < store().partitions(); p++) {
            out.addAll(get(store().read(p, after.get(p), 10_000)).records());
        }
        return out;
    }

    /** {@link #recordsAfter} as text. */
    default List<String> textsAfter(LogPosition after) {
        return texts(recordsAfter(after));
    }

    /** Every entry of every partition as text: partition 0's first, each partition's in log order. */
    default List<String> allTexts() {
        return textsAfter(LogPosition.zero(store().partitions()));
    }

    /** The entry at {@code position} of {@code partition}, as text; fails if there is none. */
    default String textAt(int partition, long position) {
        List<LogRecord> records = get(store().read(partition, position - 1, 1)).records();
        assertThat(records).as("entry %d of partition %d", position, partition).hasSize(1);
        assertThat(records.get(0).position()).isEqualTo(position);
        return text(records.get(0).entry());
    }

    /**
     * Asserts that {@code snapshot} is at a position {@link MembershipSnapshot} allows, given {@code
     * tightest}: the creation position with each partition's component moved to the session's last
     * membership change in that partition. With one partition the version is exactly that position;
     * with more, any position that covers it and that the heads cover (the heads at the time of the
     * read are a correct version too).
     */
    default void assertMembershipAt(MembershipSnapshot snapshot, LogPosition tightest) {
        assertThat(snapshot.exists()).as("the session exists").isTrue();
        assertThat(snapshot.at().partitions())
                .as("components of the membership position %s", snapshot.at())
                .isEqualTo(store().partitions());
        if (store().partitions() == 1) {
            assertThat(snapshot.version()).as("membership version").isEqualTo(tightest.single());
            return;
        }
        assertThat(snapshot.at().covers(tightest))
                .as("membership position %s covers %s", snapshot.at(), tightest)
                .isTrue();
        LogPosition heads = heads();
        assertThat(heads.covers(snapshot.at()))
                .as("heads %s cover the membership position %s", heads, snapshot.at())
                .isTrue();
    }

    /** The entries of {@code records} as text, in order. */
    default List<String> texts(List<LogRecord> records) {
        List<String> out = new ArrayList<>();
        records.forEach(r -> out.add(text(r.entry())));
        return out;
    }

    /** Subscribes {@code listener} to the log of {@code log}; closed after the test. */
    default LogSubscription subscribe(LogStore log, long after, LogListener listener) {
        if (log.partitions() == 1) {
            return closeAfterTest(log.subscribe(after, listener));
        }
        // a partitioned log: partition 0 from `after`, the others from their start
        long[] positions = new long[log.partitions()];
        positions[0] = after;
        return closeAfterTest(log.subscribe(positions, listener));
    }

    /** Subscribes {@code listener} to every partition of {@code log}; closed after the test. */
    default LogSubscription subscribe(LogStore log, long[] after, LogListener listener) {
        return closeAfterTest(log.subscribe(after, listener));
    }

    /** Records what a subscription delivers and checks that calls never overlap. */
    class Recorder implements LogListener {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicBoolean overlapped = new AtomicBoolean();
        final AtomicBoolean emptyBatch = new AtomicBoolean();

        @Override
        public void onRecords(List<LogRecord> batch) {
            if (inFlight.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            if (batch.isEmpty()) {
                emptyBatch.set(true);
            }
            records.addAll(batch);
            Thread.yield();
            inFlight.decrementAndGet();
        }

        /** Gaps of every partition: {partition, after, oldest}. */
        final List<long[]> partitionGaps = new CopyOnWriteArrayList<>();

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
        }

        @Override
        public void onGap(int partition, long afterPosition, long oldestPosition) {
            partitionGaps.add(new long[] {partition, afterPosition, oldestPosition});
            LogListener.super.onGap(partition, afterPosition, oldestPosition);
        }

        /** The records of one partition, in delivery order. */
        List<LogRecord> of(int partition) {
            List<LogRecord> out = new ArrayList<>();
            records.forEach(r -> {
                if (r.partition() == partition) {
                    out.add(r);
                }
            });
            return out;
        }

        List<Long> positions() {
            List<Long> out = new ArrayList<>();
            records.forEach(r -> out.add(r.position()));
            return out;
        }

        List<String> texts() {
            List<String> out = new ArrayList<>();
            records.forEach(r -> out.add(text(r.entry())));
            return out;
        }
    }

    /** Records volatile entries. */
    final class VolatileRecorder extends Recorder {
        final List<String> volatiles = new CopyOnWriteArrayList<>();

        @Override
        public void onVolatile(byte[] entry) {
            volatiles.add(text(entry));
        }
    }
}
