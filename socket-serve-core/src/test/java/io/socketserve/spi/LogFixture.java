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

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
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
