package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.LogRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, code review: the readers hand entries to the dispatcher on demand. While the dispatcher
 * has its bound of batches or bytes waiting, a reader's thread waits before handing over more (and so
 * before fetching more from the store); it goes on as soon as the dispatcher catches up.
 */
class DispatcherBackpressureTest {

    private final InMemoryBackend backend = new InMemoryBackend();
    private Dispatcher dispatcher;
    private final CountDownLatch stuck = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        backend.start(1_000).toCompletableFuture().get();
        dispatcher = new Dispatcher(
                backend,
                new Dispatcher.Host() {
                    @Override
                    public void onAckReply(LogEntry.AckReply reply) {}

                    @Override
                    public void onSessionEnded(String sessionId) {}

                    @Override
                    public void onAvailability(boolean available) {}

                    @Override
                    public long recoveryMaxAgeMillis() {
                        return 3_600_000;
                    }
                },
                1_024,
                0);
    }

    @AfterEach
    void stop() {
        stuck.countDown();
        dispatcher.shutdown();
        backend.close();
    }

    private static List<LogRecord> batch(long position, int bytes) {
        byte[] entry = EntryCodec.encode(new LogEntry.Join(System.currentTimeMillis(), "s" + position, "r"));
        byte[] padded = java.util.Arrays.copyOf(entry, Math.max(entry.length, bytes));
        System.arraycopy(entry, 0, padded, 0, entry.length);
        return List.of(new LogRecord(position, entry.length >= bytes ? entry : padded));
    }

    /** Hands batches 1..count over from a reader thread; counts the calls that returned. */
    private Thread reader(int count, int bytes, AtomicInteger handedOver) {
        Thread t = new Thread(
                () -> {
                    for (int p = 1; p <= count; p++) {
                        dispatcher.onRecords(batch(p, bytes));
                        handedOver.incrementAndGet();
                    }
                },
                "test-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aReaderWaitsWhileTheDispatcherHasItsBoundOfBatchesWaiting() throws Exception {
        dispatcher.limitPending(1L << 30, 3);
        dispatcher.execute(() -> awaitQuietly(stuck)); // the dispatcher thread is busy
        AtomicInteger handedOver = new AtomicInteger();
        Thread reader = reader(10, 0, handedOver);

        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> handedOver.get() == 3
                        && (reader.getState() == Thread.State.TIMED_WAITING
                                || reader.getState() == Thread.State.WAITING));
        assertThat(handedOver).as("no more than the bound is handed over").hasValue(3);

        stuck.countDown();
        reader.join(5_000);
        assertThat(handedOver).hasValue(10);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> dispatcher.processedPosition().single() == 10);
    }

    @Test
    void aReaderWaitsWhileTheDispatcherHasItsBoundOfBytesWaiting() throws Exception {
        dispatcher.limitPending(10_000, 1_000);
        dispatcher.execute(() -> awaitQuietly(stuck));
        AtomicInteger handedOver = new AtomicInteger();
        Thread reader = reader(10, 4_000, handedOver);

        // 4,000 + 4,000 fit in 10,000; the third waits
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> handedOver.get() == 2
                        && (reader.getState() == Thread.State.TIMED_WAITING
                                || reader.getState() == Thread.State.WAITING));
        assertThat(handedOver).hasValue(2);
        stuck.countDown();
        reader.join(5_000);
        assertThat(handedOver).hasValue(10);
    }

    @Test
    void oneBatchLargerThanTheBoundStillGoesThrough() throws Exception {
        dispatcher.limitPending(1_000, 1_000);
        AtomicInteger handedOver = new AtomicInteger();
        reader(3, 50_000, handedOver).join(5_000);
        assertThat(handedOver).hasValue(3);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> dispatcher.processedPosition().single() == 3);
    }

    @Test
    void releasedReadersNoLongerWaitForAStuckDispatcher() throws Exception {
        dispatcher.limitPending(1L << 30, 1);
        dispatcher.execute(() -> awaitQuietly(stuck));
        AtomicInteger handedOver = new AtomicInteger();
        Thread reader = reader(5, 0, handedOver);
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> handedOver.get() == 1
                        && (reader.getState() == Thread.State.TIMED_WAITING
                                || reader.getState() == Thread.State.WAITING));
        dispatcher.releaseReaders(); // what close() does before closing the subscription
        reader.join(5_000);
        assertThat(handedOver).hasValue(5);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
