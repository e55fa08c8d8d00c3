package io.socketserve.internal;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Issue 16: a transport's warm-up runs the request path against a throwaway in-memory server, so
 * the application's backend client (Lettuce's pipeline, the Redis backend's script calls and reply
 * parsing) is still cold when the first real sessions arrive: in a Redis storm the JIT compiled for
 * another 100 ms and the first requests ran interpreted. This sends <em>reads</em> to the real
 * backend — the record and the membership of sessions that do not exist (random ids) — which write
 * nothing, create no key and run none of the application's code.
 */
final class BackendWarmUp {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BackendWarmUp.class);

    /** Lookups in flight at once. */
    private static final int BATCH = 64;

    private BackendWarmUp() {}

    /**
     * {@code rounds} pairs of lookups; stops at the first failure or timeout (a backend that is not
     * there yet: the server works without this) or when {@code stop} says so. Returns the pairs done.
     */
    static int run(Backend backend, int rounds, Duration timeout, BooleanSupplier stop) throws InterruptedException {
        if (backend instanceof InMemoryBackend || rounds <= 0) {
            return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int done = 0;
        while (done < rounds && !stop.getAsBoolean()) {
            int n = Math.min(BATCH, rounds - done);
            CompletableFuture<?>[] inFlight = new CompletableFuture<?>[2 * n];
            for (int i = 0; i < n; i++) {
                String id = "warm-up-" + Long.toUnsignedString(random.nextLong(), 36);
                inFlight[2 * i] = backend.findSession(id).toCompletableFuture();
                inFlight[2 * i + 1] = backend.membership(id).toCompletableFuture();
            }
            try {
                CompletableFuture.allOf(inFlight).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.warn("backend warm-up stopped after {} lookups: {}", done, e.toString());
                return done;
            }
            done += n;
        }
        return done;
    }
}
