package io.socketserve.bench.workload;

import io.socketserve.bench.driver.ClientSession;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop publisher: message {@code n} of a step is due at {@code start + n / rate}, whatever
 * happened to the earlier ones, and carries that intended time, so that a server that slows the
 * publisher down shows it as latency instead of hiding it (no coordinated omission). Messages go out
 * over a pool of publishing sessions, each with one request in flight.
 */
final class Publisher {

    private final ArrayBlockingQueue<ClientSession> idle;
    private final int payloadBytes;

    Publisher(List<ClientSession> sessions, int payloadBytes) {
        this.idle = new ArrayBlockingQueue<>(sessions.size(), false, sessions);
        this.payloadBytes = payloadBytes;
    }

    /** What a publishing step did. */
    record Sent(long sent, long unsent, long maxBacklog) {}

    /**
     * Publishes at {@code rate} msg/s for {@code seconds}; stops sending {@code graceNanos} after the
     * end even if it could not catch up (the rest is counted unsent).
     */
    Sent run(Step step, int rate, double seconds, long graceNanos) {
        long total = Math.round(rate * seconds);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long n = 0;
        long maxBacklog = 0;
        while (n < total) {
            long now = System.nanoTime();
            if (now > end + graceNanos) {
                break;
            }
            long due = Math.min(total, (long) ((now - start) / 1e9 * rate) + 1);
            maxBacklog = Math.max(maxBacklog, due - n);
            while (n < due) {
                ClientSession s = idle.poll();
                if (s == null) {
                    break;
                }
                long seq = step.seqBase + n;
                int room = (int) (seq % step.rooms);
                long intended = start + (long) (n * 1e9 / rate);
                s.emit("pub", payload(room, seq, intended)).whenComplete((v, e) -> {
                    if (e == null) {
                        step.ackedPerRoom.incrementAndGet(room);
                    } else {
                        step.publishFailures.increment();
                        step.firstFailure.compareAndSet(null, e);
                    }
                    idle.add(s);
                });
                n++;
                step.sent = n;
            }
            if (n < due) {
                // Every publishing session is busy: look again soon.
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            } else if (n < total) {
                // Sleep until the next message is due instead of polling every 100 µs (a poll loop
                // that cost the generator ~6 % of a core at 100 msg/s).
                long next = start + (long) (n * 1e9 / rate);
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
        }
        step.sent = n;
        return new Sent(n, total - n, maxBacklog);
    }

    /** Waits until no publish is in flight (at most {@code timeoutNanos}). */
    void awaitIdle(int sessions, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (idle.size() < sessions && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** {@code {"room":"r7","seq":123,"t":<nanos>,"pad":"xxx…"}}, padded to the payload size. */
    byte[] payload(int room, long seq, long intendedNanos) {
        String head = "{\"room\":\"r" + room + "\",\"seq\":" + seq + ",\"t\":" + intendedNanos + ",\"pad\":\"";
        int pad = Math.max(0, payloadBytes - head.length() - 2);
        StringBuilder b = new StringBuilder(payloadBytes).append(head);
        for (int i = 0; i < pad; i++) {
            b.append('x');
        }
        return b.append("\"}").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
