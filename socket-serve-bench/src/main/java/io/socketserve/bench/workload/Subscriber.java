package io.socketserve.bench.workload;

import io.socketserve.bench.driver.StreamListener;
import io.socketserve.bench.driver.sse.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

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
        long seq = Bytes.longAfter(json, length, SEQ);
        long sentAt = Bytes.longAfter(json, length, TIME);
        if (step == null || seq < step.seqBase || sentAt < 0) {
            if (step != null) {
                step.stray.increment();
            }
            return;
        }
        if (seenFor != step) {
            seenFor = step;
            seen = new long[16];
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
        step.latency.recordNanos(now - sentAt);
    }

    @Override
    public long lastPosition() {
        return lastPosition;
    }
}
