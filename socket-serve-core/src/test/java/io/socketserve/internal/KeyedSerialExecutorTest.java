package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeyedSerialExecutorTest {

    @Test
    void tasksOfOneKeyRunInSubmissionOrderAndKeysAreForgottenWhenIdle() {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            KeyedSerialExecutor executor = new KeyedSerialExecutor(pool);
            List<Integer> a = new CopyOnWriteArrayList<>();
            List<Integer> b = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                int n = i;
                executor.execute("a", () -> a.add(n));
                executor.execute("b", () -> b.add(n));
            }
            await().until(() -> a.size() == 2_000 && b.size() == 2_000);
            assertThat(a)
                    .containsExactlyElementsOf(IntStream.range(0, 2_000).boxed().toList());
            assertThat(b)
                    .containsExactlyElementsOf(IntStream.range(0, 2_000).boxed().toList());
            await().until(() -> executor.activeKeys() == 0);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheQueue() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            KeyedSerialExecutor executor = new KeyedSerialExecutor(pool);
            List<String> ran = new CopyOnWriteArrayList<>();
            executor.execute("k", () -> {
                throw new io.socketserve.testing.ExpectedFailure("boom");
            });
            executor.execute("k", () -> ran.add("after"));
            await().until(() -> ran.contains("after"));
        } finally {
            pool.shutdownNow();
        }
    }
}
