package io.socketserve.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Static helpers of the backend contract tests ({@link PartContract} and the contracts that extend
 * it): awaiting a stage with a timeout, bytes and text, fresh session ids and records, races.
 */
public final class ContractSupport {

    /** Numbers the session ids of {@link #newId()}. */
    static final AtomicLong IDS = new AtomicLong();

    private ContractSupport() {}

    /** Awaits a stage for at most {@link PartContract#OPERATION_TIMEOUT}; a failure fails the test. */
    public static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(PartContract.OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("backend operation failed", e);
        }
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A session id no other test uses. */
    public static String newId() {
        return "sess" + IDS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    }

    /** A record of the root namespace for {@code id}, with one attribute. */
    public static SessionRecord record(String id) {
        return new SessionRecord(id, "hash-" + id, "/", 1_700_000_000_000L, 0, 0, Map.of("user", "u-" + id));
    }

    /** Runs {@code task} on {@code threads} threads released at once; their results. */
    public static <T> List<T> race(int threads, Supplier<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.get();
                }));
            }
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
