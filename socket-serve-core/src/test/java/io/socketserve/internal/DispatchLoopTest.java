package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 16: the dispatcher's executor runs a reader's batch on the reader's thread when idle. */
class DispatchLoopTest {

    private final DispatchLoop loop = new DispatchLoop("test-dispatcher");

    @AfterEach
    void stop() {
        loop.shutdown(5, TimeUnit.SECONDS);
    }

    @Test
    void anIdleLoopRunsTheTaskOnTheCallersThread() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        boolean ran = loop.tryRunInline(() -> ranOn.set(Thread.currentThread()));
        assertThat(ran).isTrue();
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void aBusyLoopDoesNotRunTheTaskInlineAndKeepsTheOrderOfQueuedTasks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        loop.execute(() -> {
            started.countDown();
            await(release);
            order.add("first");
        });
        started.await(5, TimeUnit.SECONDS);
        assertThat(loop.tryRunInline(() -> order.add("inline while running"))).isFalse();
        loop.execute(() -> order.add("second"));
        assertThat(loop.tryRunInline(() -> order.add("inline while queued"))).isFalse();
        release.countDown();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("first", "second");
    }

    @Test
    void aTaskNeverRunsInlineInsideAnotherTask() throws Exception {
        AtomicReference<Boolean> nested = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            nested.set(loop.tryRunInline(() -> {}));
            done.countDown();
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(nested.get()).isFalse();
        // the loop's thread may still hold the loop for a moment after the task above counted down
        boolean[] inner = {true};
        org.awaitility.Awaitility.await()
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> loop.tryRunInline(() -> inner[0] = loop.tryRunInline(() -> {})));
        assertThat(inner[0]).as("nested inline call").isFalse();
    }

    @Test
    void aFailingTaskDoesNotStopTheLoop() throws Exception {
        loop.execute(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void afterShutdownQueuedTasksStillRunAndNewOnesAreRefused() throws Exception {
        CountDownLatch ran = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            loop.execute(ran::countDown);
        }
        loop.shutdown(5, TimeUnit.SECONDS);
        assertThat(ran.getCount()).isZero();
        assertThat(loop.isShutdown()).isTrue();
        assertThat(loop.tryRunInline(() -> {})).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loop.execute(() -> {}))
                .isInstanceOf(RejectedExecutionException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
