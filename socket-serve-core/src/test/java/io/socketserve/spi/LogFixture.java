package io.socketserve.spi;

import static io.socketserve.spi.ContractSupport.bytes;
import static io.socketserve.spi.ContractSupport.get;
import static io.socketserve.spi.ContractSupport.text;

import java.util.ArrayList;
import java.util.List;
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
