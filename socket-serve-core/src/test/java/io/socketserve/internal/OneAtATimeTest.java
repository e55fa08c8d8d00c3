package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OneAtATimeTest {

    private final OneAtATime serial = new OneAtATime();

    @Test
    void aStepStartsOnlyWhenTheOneBeforeItHasCompleted() {
        CompletableFuture<String> first = new CompletableFuture<>();
        List<String> started = new CopyOnWriteArrayList<>();

        CompletionStage<String> a = serial.run(() -> {
            started.add("a");
            return first;
        });
        CompletionStage<String> b = serial.run(() -> {
            started.add("b");
            return CompletableFuture.completedFuture("B");
        });

        assertThat(started).containsExactly("a");
        assertThat(b.toCompletableFuture()).isNotDone();
        first.complete("A");
        assertThat(started).containsExactly("a", "b");
        assertThat(a.toCompletableFuture().join()).isEqualTo("A");
        assertThat(b.toCompletableFuture().join()).isEqualTo("B");
    }

    @Test
    void aFailedOrThrowingStepDoesNotStopTheNext() {
        CompletionStage<String> failed =
                serial.run(() -> CompletableFuture.failedFuture(new IllegalStateException("no")));
        CompletionStage<String> thrown = serial.run(() -> {
            throw new IllegalArgumentException("bad");
        });
        CompletionStage<String> next = serial.run(() -> CompletableFuture.completedFuture("ok"));

        assertThat(failed.toCompletableFuture()).isCompletedExceptionally();
        assertThat(thrown.toCompletableFuture()).isCompletedExceptionally();
        assertThat(next.toCompletableFuture().join()).isEqualTo("ok");
    }

    /** The check-then-act it exists for: concurrent admissions never overshoot the limit. */
    @Test
    void concurrentCheckThenActNeverOvershoots() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(16);
        ExecutorService backend = Executors.newFixedThreadPool(4);
        try {
            AtomicInteger count = new AtomicInteger();
            AtomicInteger admitted = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                CompletableFuture<Boolean> outcome = new CompletableFuture<>();
                outcomes.add(outcome);
                callers.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    // An asynchronous count, then an asynchronous create, like a remote backend.
                    serial.run(() -> CompletableFuture.supplyAsync(count::get, backend)
                                    .thenCompose(n -> n >= 10
                                            ? CompletableFuture.completedFuture(false)
                                            : CompletableFuture.supplyAsync(
                                                    () -> {
                                                        count.incrementAndGet();
                                                        admitted.incrementAndGet();
                                                        return true;
                                                    },
                                                    backend)))
                            .whenComplete((ok, failure) -> outcome.complete(ok != null && ok));
                });
            }
            go.countDown();
            CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            assertThat(admitted).hasValue(10);
            await().until(() -> count.get() == 10);
        } finally {
            callers.shutdownNow();
            backend.shutdownNow();
        }
    }
}
