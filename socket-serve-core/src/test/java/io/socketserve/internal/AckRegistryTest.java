package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.socketserve.AckTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link AckRegistry}: every request ends (answered, failed or timed out), whatever the interleaving. */
class AckRegistryTest {

    private final List<ExecutorService> executors = new ArrayList<>();

    @AfterEach
    void stop() {
        executors.forEach(ExecutorService::shutdownNow);
    }

    /**
     * A timer that runs a task due now at once, on the scheduling thread: the worst case for a
     * registry that arms its timer before the request is published (the timer then finds nothing to
     * expire, and the request waits forever).
     */
    private ScheduledExecutorService immediateTimer() {
        ScheduledThreadPoolExecutor real = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                if (delay <= 0) {
                    command.run();
                }
                return super.schedule(delay <= 0 ? () -> {} : command, delay, unit);
            }
        };
        executors.add(real);
        return real;
    }

    @Test
    void aTimeoutOfZeroExpiresTheRequestAndLeavesNothingBehind() throws Exception {
        AckRegistry acks = new AckRegistry("i", immediateTimer(), Runnable::run, new EngineStats("i", "memory"));
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        String id = acks.register("s", "question", Duration.ZERO, future);

        assertThat(future).as("expired by its timer").isCompletedExceptionally();
        assertThat(future.handle((v, e) -> e).get()).isInstanceOf(AckTimeoutException.class);
        assertThat(acks.isLocal("s", id)).as("no entry left").isFalse();
    }

    @Test
    void aOneMillisecondTimeoutExpiresEveryRequest() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        executors.add(timer);
        AckRegistry acks = new AckRegistry("i", timer, Runnable::run, new EngineStats("i", "memory"));
        List<CompletableFuture<JsonNode>> futures = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            futures.add(f);
            ids.add(acks.register("s", "q", Duration.ofMillis(i % 2), f));
        }
        CompletableFuture.allOf(futures.stream().map(f -> f.handle((v, e) -> e)).toArray(CompletableFuture[]::new))
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        assertThat(futures).allMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(ids).noneMatch(id -> acks.isLocal("s", id));
    }

    /**
     * A session with one request outstanding: its answer (which empties the session's map) races with
     * the registration of the next request. The next request must still be answerable; before the
     * fix it could land in a map that had just been dropped, and was then lost until the session ended.
     */
    @Test
    void aRegistrationRacingTheLastAnswerOfItsSessionIsNotLost() throws Exception {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        executors.add(timer);
        executors.add(threads);
        AckRegistry acks = new AckRegistry("i", timer, Runnable::run, new EngineStats("i", "memory"));
        Random random = new Random(13);
        CyclicBarrier start = new CyclicBarrier(2);
        Duration never = Duration.ofMinutes(10);
        int lost = 0;
        for (int round = 0; round < 20_000; round++) {
            String session = "s" + (round % 4);
            CompletableFuture<JsonNode> first = new CompletableFuture<>();
            String firstId = acks.register(session, "q", never, first);
            CompletableFuture<JsonNode> second = new CompletableFuture<>();
            int spin = random.nextInt(64);
            Future<String> registered = threads.submit(() -> {
                start.await();
                return acks.register(session, "q", never, second);
            });
            Future<?> answered = threads.submit(() -> {
                start.await();
                for (int i = 0; i < spin; i++) {
                    Thread.onSpinWait();
                }
                acks.complete(session, firstId, IntNode.valueOf(1));
                return null;
            });
            answered.get(10, TimeUnit.SECONDS);
            String secondId = registered.get(10, TimeUnit.SECONDS);
            acks.complete(session, secondId, IntNode.valueOf(2));
            assertThat(first).isCompletedWithValue(IntNode.valueOf(1));
            if (!second.isDone()) {
                lost++;
                acks.failSession(session);
            }
        }
        assertThat(lost).as("answers lost").isZero();
    }
}
