package io.socketserve.bench.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/** Runs {@code n} asynchronous tasks with at most {@code concurrency} in flight. */
public final class Ramp {

    /** What a ramp produced: the results in task order ({@code null} where a task failed). */
    public record Outcome<T>(List<T> results, long failures, Throwable firstFailure) {}

    private Ramp() {}

    public static <T> CompletableFuture<Outcome<T>> run(int n, int concurrency, IntFunction<CompletionStage<T>> task) {
        AtomicReferenceArray<T> results = new AtomicReferenceArray<>(n);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicLong failures = new AtomicLong();
        Throwable[] first = new Throwable[1];
        CompletableFuture<Outcome<T>> done = new CompletableFuture<>();
        if (n == 0) {
            done.complete(new Outcome<>(List.of(), 0, null));
            return done;
        }
        Runnable[] startNext = new Runnable[1];
        startNext[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= n) {
                return;
            }
            CompletionStage<T> stage;
            try {
                stage = task.apply(i);
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((v, e) -> {
                if (e != null) {
                    failures.incrementAndGet();
                    synchronized (first) {
                        if (first[0] == null) {
                            first[0] = e;
                        }
                    }
                } else {
                    results.set(i, v);
                }
                if (finished.incrementAndGet() == n) {
                    List<T> list = new ArrayList<>(n);
                    for (int k = 0; k < n; k++) {
                        list.add(results.get(k));
                    }
                    synchronized (first) {
                        done.complete(new Outcome<>(list, failures.get(), first[0]));
                    }
                } else {
                    startNext[0].run();
                }
            });
        };
        for (int k = 0; k < Math.min(concurrency, n); k++) {
            startNext[0].run();
        }
        return done;
    }
}
