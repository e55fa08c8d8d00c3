package io.socketserve.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN that is written at most once per interval: the ones in between are counted and the count
 * goes with the next one written. For failures that come in floods (every request while the backend
 * is down), where one line with the detail says it all.
 */
final class RateLimitedWarning {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextDue;
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedWarning(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nextDue = new AtomicLong(System.nanoTime());
    }

    /** Logs {@code message} (an SLF4J pattern with one {@code {}}: the request) and {@code detail}'s stack. */
    void warn(String message, String request, Throwable detail) {
        long now = System.nanoTime();
        long due = nextDue.get();
        if (now - due < 0 || !nextDue.compareAndSet(due, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long before = suppressed.getAndSet(0);
        String more = before == 0 ? "" : " (" + before + " more like it not logged since the last)";
        log.warn(message + more, request, detail);
    }
}
