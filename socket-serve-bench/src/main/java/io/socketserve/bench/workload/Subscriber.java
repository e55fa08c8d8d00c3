package io.socketserve.bench.workload;

import io.socketserve.bench.driver.StreamListener;
import io.socketserve.bench.driver.sse.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One subscribed client: checks every message it receives against the sequence (lost, duplicated)
 * and the stream positions (out of order), and records its latency from the intended send time
 * written in the payload (same process clock, {@link System#nanoTime()}).
 */
final class Subscriber implements StreamListener {

    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIME = "\"t\":".getBytes(StandardCharsets.US_ASCII);

    final int room;
    private final Supplier<Step> current;
    private long lastPosition = -1;
    private Step seenFor;
    private long[] seen = new long[0];
    // This subscriber's stream is read by one I/O thread at a time; a resumed stream may land on
    // another, hence the thread check.
    private @Nullable Histogram histogram;
    private @Nullable Thread histogramThread;

    Subscriber(int room, Supplier<Step> current) {
        this.room = room;
        this.current = current;
    }

    @Override
    public void onMessage(long position, byte[] json, int length) {
        long now = System.nanoTime();
        Step step = current.get();
        boolean backwards = position <= lastPosition;
        if (!backwards) {
            lastPosition = position;
        }
        int seqAt = Bytes.indexOf(json, length, SEQ, 0);
        long seq = Bytes.longAt(json, length, seqAt < 0 ? -1 : seqAt + SEQ.length);
        int timeAt = seqAt < 0 ? -1 : Bytes.indexOf(json, length, TIME, seqAt + SEQ.length);
        long sentAt = Bytes.longAt(json, length, timeAt < 0 ? -1 : timeAt + TIME.length);
        if (step == null || seq < step.seqBase || sentAt < 0) {
            if (step != null) {
                step.stray.increment();
            }
            return;
        }
        if (seenFor != step) {
            seenFor = step;
            seen = new long[16];
            histogram = null;
        }
        long index = (seq - step.seqBase) / step.rooms;
        int word = (int) (index >>> 6);
        if (word >= seen.length) {
            seen = Arrays.copyOf(seen, Math.max(seen.length * 2, word + 1));
        }
        long bit = 1L << (index & 63);
        if ((seen[word] & bit) != 0) {
            step.duplicates.increment();
            return;
        }
        seen[word] |= bit;
        if (backwards) {
            step.outOfOrder.increment();
        }
        step.delivered.increment();
        Histogram h = histogram;
        if (h == null || histogramThread != Thread.currentThread()) {
            h = histogram = step.latency.forCurrentThread();
            histogramThread = Thread.currentThread();
        }
        LatencyRecorder.record(h, now - sentAt);
    }

    @Override
    public long lastPosition() {
        return lastPosition;
    }
}
