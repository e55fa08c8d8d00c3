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

    /**
     * Logs {@code message} (an SLF4J pattern with one {@code {}}: the request) and {@code detail}'s
     * stack; when the backend was unavailable, the messages of {@code detail} and its causes on the
     * same line instead of the stack.
     */
    void warn(String message, String request, Throwable detail) {
        long now = System.nanoTime();
        long due = nextDue.get();
        if (now - due < 0 || !nextDue.compareAndSet(due, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long before = suppressed.getAndSet(0);
        String more = before == 0 ? "" : " (" + before + " more like it not logged since the last)";
        if (isBackendUnavailable(detail)) {
            // an operational condition, not a bug: the causes' messages say it all (which store,
            // which command, why); a stack trace would only repeat the client library's internals
            log.warn(message + more + ": {}", request, causes(detail));
        } else {
            log.warn(message + more, request, detail);
        }
    }

    private static boolean isBackendUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.socketserve.spi.BackendUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** "message ← cause's message ← …", each once. */
    static String causes(Throwable t) {
        StringBuilder out = new StringBuilder();
        String last = null;
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (!m.equals(last)) {
                if (out.length() > 0) {
                    out.append(" ← ");
                }
                out.append(m);
                last = m;
            }
        }
        return out.toString();
    }
}
