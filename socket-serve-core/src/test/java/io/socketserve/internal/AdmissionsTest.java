package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Connects over a backend whose count and creation are two steps: concurrent, each keeping a place
 * for the others in flight, and a refusal among others tried again alone.
 */
class AdmissionsTest {

    /**
     * A two-step store: a step reads the count when it starts and creates (without counting again)
     * when it is released, like a creation over partitions that read the other partitions' counts
     * first.
     */
    private static final class TwoStepStore {
        final AtomicInteger count = new AtomicInteger();
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> releases = new CopyOnWriteArrayList<>();

        Admissions.Step<String> step(String name) {
            return limit -> {
                started.add(name + ":" + limit);
                int seen = count.get();
                CompletableFuture<Void> release = new CompletableFuture<>();
                releases.add(release);
                return release.thenApply(v -> {
                    if (seen >= limit) {
                        return null;
                    }
                    count.incrementAndGet();
                    return name;
                });
            };
        }

        void release(int i) {
            releases.get(i).complete(null);
        }
    }

    @Test
    void stepsRunTogetherEachWithTheLimitLessTheOnesInFlight() {
        Admissions admissions = new Admissions(10);
        TwoStepStore store = new TwoStepStore();

        CompletionStage<@Nullable String> a = admissions.admit(store.step("a"));
        CompletionStage<@Nullable String> b = admissions.admit(store.step("b"));
        CompletionStage<@Nullable String> c = admissions.admit(store.step("c"));

        assertThat(store.started).containsExactly("a:10", "b:9", "c:8");
        store.release(1);
        CompletionStage<@Nullable String> d = admissions.admit(store.step("d"));
        assertThat(store.started).as("b is done: two in flight").endsWith("d:8");
        store.release(0);
        store.release(2);
        store.release(3);
        assertThat(List.of(a, b, c, d))
                .allSatisfy(s -> assertThat(s.toCompletableFuture()).isCompleted());
        assertThat(store.count).hasValue(4);
    }

    @Test
    void aRefusalAmongOthersIsTriedAgainAloneOnceTheyEnd() {
        Admissions admissions = new Admissions(2);
        TwoStepStore store = new TwoStepStore();
        store.count.set(1);

        CompletionStage<@Nullable String> a = admissions.admit(store.step("a")); // limit 2
        CompletionStage<@Nullable String> b = admissions.admit(store.step("b")); // limit 1: refused
        store.release(1);
        CompletionStage<@Nullable String> c = admissions.admit(store.step("c"));

        assertThat(b.toCompletableFuture()).as("waits to be tried alone").isNotDone();
        assertThat(store.started).as("c waits behind b").containsExactly("a:2", "b:1");

        // a fails (nothing created): alone, b has the one place left
        store.releases.get(0).completeExceptionally(new IllegalStateException("backend down"));
        assertThat(store.started).containsExactly("a:2", "b:1", "b:2");
        assertThatThrownBy(() -> a.toCompletableFuture().join()).hasCauseInstanceOf(IllegalStateException.class);
        store.release(2);
        assertThat(b.toCompletableFuture().join()).isEqualTo("b");

        // then c, alone in flight: the limit is reached, and that refusal stands
        assertThat(store.started).containsExactly("a:2", "b:1", "b:2", "c:2");
        store.release(3);
        assertThat(c.toCompletableFuture().join()).isNull();
        assertThat(store.count).hasValue(2);
    }

    @Test
    void aStepThatThrowsFailsAloneAndTheOthersGoOn() {
        Admissions admissions = new Admissions(5);
        TwoStepStore store = new TwoStepStore();

        CompletionStage<@Nullable String> broken = admissions.admit(limit -> {
            throw new IllegalArgumentException("bad attributes");
        });
        CompletionStage<@Nullable String> fine = admissions.admit(store.step("fine"));
        store.release(0);

        assertThatThrownBy(() -> broken.toCompletableFuture().join())
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(fine.toCompletableFuture().join()).isEqualTo("fine");
        assertThat(store.started).containsExactly("fine:5");
    }

    /**
     * 300 connects from 16 threads for 10 places on a two-step store whose steps complete on other
     * threads in random order: exactly 10 are created, and every other one is refused.
     */
    @Test
    void concurrentConnectsOnATwoStepStoreCreateExactlyTheLimit() throws Exception {
        Admissions admissions = new Admissions(10);
        AtomicInteger count = new AtomicInteger();
        AtomicInteger created = new AtomicInteger();
        ExecutorService backend = Executors.newFixedThreadPool(4);
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<@Nullable String>> results = new CopyOnWriteArrayList<>();
            List<CompletableFuture<?>> submitted = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String name = "s" + i;
                submitted.add(CompletableFuture.runAsync(
                        () -> results.add(admissions
                                .admit(limit -> {
                                    int seen = count.get();
                                    return CompletableFuture.supplyAsync(
                                            () -> {
                                                if (seen >= limit) {
                                                    return null;
                                                }
                                                count.incrementAndGet();
                                                created.incrementAndGet();
                                                return name;
                                            },
                                            CompletableFuture.delayedExecutor(
                                                    ThreadLocalRandom.current().nextInt(0, 3),
                                                    TimeUnit.MILLISECONDS,
                                                    backend));
                                })
                                .toCompletableFuture()),
                        callers));
            }
            CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            long admitted = results.stream().filter(r -> r.join() != null).count();
            assertThat(admitted).isEqualTo(10);
            assertThat(created).hasValue(10);
            assertThat(count).hasValue(10);
        } finally {
            backend.shutdownNow();
            callers.shutdownNow();
        }
    }
}
