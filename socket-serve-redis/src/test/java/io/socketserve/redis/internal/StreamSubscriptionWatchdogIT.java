package io.socketserve.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reader that is connected and blocked but receives nothing while the head advances (here: its
 * connection went to a Redis that does not have the log) is found by the watchdog, which compares
 * the head with what was delivered, and is restarted on a new connection.
 */
class StreamSubscriptionWatchdogIT {

    @RegisterExtension
    static final RedisServerProcess right = new RedisServerProcess();

    @RegisterExtension
    static final RedisServerProcess wrong = new RedisServerProcess();

    private static final byte[] LOG = "{w}:log".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SEQ = "{w}:seq".getBytes(StandardCharsets.UTF_8);

    private final RedisClient client = RedisClient.create();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private StatefulRedisConnection<byte[], byte[]> commands;
    private StreamSubscription subscription;

    @AfterEach
    void close() {
        if (subscription != null) {
            subscription.close();
        }
        timer.shutdownNow();
        client.shutdown();
        right.tryCommand("FLUSHALL");
    }

    @Test
    void aReaderThatReceivesNothingWhileTheHeadAdvancesIsRestarted() {
        commands = client.connect(ByteArrayCodec.INSTANCE, RedisURI.create(right.uri()));
        AtomicInteger connects = new AtomicInteger();
        StreamSubscription.Connector connector = new StreamSubscription.Connector() {
            @Override
            public StatefulRedisConnection<byte[], byte[]> connect(@Nullable String redirect) {
                // the first connection goes astray: blocked on a server where nothing is appended
                String to = connects.incrementAndGet() == 1 ? wrong.uri() : right.uri();
                return client.connect(ByteArrayCodec.INSTANCE, RedisURI.create(to));
            }

            @Override
            public boolean dropOnFailure() {
                return true;
            }
        };
        List<LogRecord> received = new CopyOnWriteArrayList<>();
        List<Boolean> availability = new CopyOnWriteArrayList<>();
        LogListener listener = new LogListener() {
            @Override
            public void onRecords(List<LogRecord> records) {
                received.addAll(records);
            }

            @Override
            public void onAvailability(boolean available) {
                availability.add(available);
            }
        };
        subscription = new StreamSubscription(
                        connector,
                        new StreamSubscription.Watchdog(
                                () -> commands.async()
                                        .get(SEQ)
                                        .thenApply(v -> v == null ? 0L : Long.parseLong(new String(v))),
                                timer,
                                Duration.ofMillis(250)),
                        Duration.ofSeconds(1),
                        LOG,
                        0,
                        listener,
                        p -> {},
                        () -> {},
                        "test")
                .start();
        await().atMost(Duration.ofSeconds(5)).until(() -> connects.get() == 1);
        long appendedAt = System.nanoTime();
        for (int i = 1; i <= 3; i++) {
            commands.sync().xadd(LOG, new XAddArgs().id("0-" + i), Map.of("e".getBytes(), ("entry" + i).getBytes()));
            commands.sync().set(SEQ, Integer.toString(i).getBytes());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
        long restartMs = Duration.ofNanos(System.nanoTime() - appendedAt).toMillis();
        assertThat(received).extracting(LogRecord::position).containsExactly(1L, 2L, 3L);
        assertThat(connects.get()).isEqualTo(2);
        assertThat(availability).as("a watchdog restart is no outage").isEmpty();
        // the head was ahead from the first check; restarted after STALL without deliveries
        assertThat(restartMs).isGreaterThanOrEqualTo(StreamSubscription.STALL.toMillis());
        System.out.printf("watchdog: stalled reader restarted, records delivered %d ms after the append%n", restartMs);
    }
}
