package io.socketserve.internal;

import io.socketserve.SocketServeException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fairness budget of {@code ServerOptions#sessionLogBytesPerWindow}: one byte bucket per session,
 * holding {@code budget} bytes and refilled at {@code budget} per window, charged with the encoded
 * length of every log entry a session's handlers append. Within any window a session appends at
 * most twice the budget, so one session cannot push everyone's messages out of the log's byte
 * bound. Idle buckets (full again) are dropped by {@link #evictIdle}, so memory stays bounded by the
 * sessions recently active here.
 */
final class LogBudgets {

    private static final class Bucket {
        double bytes;
        long updatedMillis;

        Bucket(double bytes, long updatedMillis) {
            this.bytes = bytes;
            this.updatedMillis = updatedMillis;
        }
    }

    private final long budget;
    private final long windowMillis;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param budget bytes per window, 0 for no budget */
    LogBudgets(long budget, long windowMillis) {
        this.budget = budget;
        this.windowMillis = Math.max(1, windowMillis);
    }

    /**
     * Takes {@code bytes} from the session's bucket, or throws {@code 429 log_budget_exceeded} and
     * takes nothing.
     */
    void charge(String sessionId, int bytes, long nowMillis) {
        if (budget <= 0) {
            return;
        }
        boolean[] over = new boolean[1];
        buckets.compute(sessionId, (k, b) -> {
            if (b == null) {
                b = new Bucket(budget, nowMillis);
            } else if (nowMillis > b.updatedMillis) {
                b.bytes = Math.min(budget, b.bytes + (nowMillis - b.updatedMillis) * (double) budget / windowMillis);
                b.updatedMillis = nowMillis;
            }
            if (b.bytes >= bytes) {
                b.bytes -= bytes;
            } else {
                over[0] = true;
            }
            return b;
        });
        if (over[0]) {
            throw new SocketServeException(
                    "log_budget_exceeded",
                    "this session's messages exceed its share of the recovery window (" + budget + " bytes per "
                            + windowMillis / 1000 + " s); try again later or send less",
                    429);
        }
    }

    /** Drops buckets that would be full again by {@code nowMillis}. */
    void evictIdle(long nowMillis) {
        for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
            Bucket b = it.next().getValue();
            if (b.bytes + (nowMillis - b.updatedMillis) * (double) budget / windowMillis >= budget) {
                it.remove();
            }
        }
    }

    /** Buckets held (tests). */
    int size() {
        return buckets.size();
    }
}
