package io.socketserve.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.socketserve.redis.testing.RedisServerProcess;
import io.socketserve.spi.Backend;
import io.socketserve.spi.BackendUnavailableException;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the Redis backend does when Redis is missing, dies, or comes back: each test has its own server. */
class RedisBackendFaultIT {

    private static final Duration FAST = Duration.ofSeconds(3);

    private final RedisServerProcess redis = new RedisServerProcess();
    private final List<Backend> backends = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis.start();
    }

    @AfterEach
    void stopAll() {
        backends.forEach(Backend::close);
        redis.stop();
    }

    private RedisBackend backend(String uri) {
        RedisBackend b = new RedisBackend(RedisBackendOptions.builder()
                .uri(uri)
                .commandTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofSeconds(1))
                .build());
        backends.add(b);
        return b;
    }

    private RedisBackend started() {
        RedisBackend b = backend(redis.uri());
        get(b.start(1_000));
        return b;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Fails the test unless the stage fails with BackendUnavailableException within {@link #FAST}. */
    private static void assertUnavailable(CompletionStage<?> stage) {
        assertThatThrownBy(() -> stage.toCompletableFuture().get(FAST.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void startFailsFastWithAMessageNamingTheUriButNotThePassword() {
        RedisServerProcess nothing = new RedisServerProcess(); // a free port nobody listens on
        RedisBackend b = backend("redis://:s3cret@127.0.0.1:" + nothing.port() + "/3");
        long began = System.nanoTime();
        assertThatThrownBy(() -> b.start(100).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("redis://127.0.0.1:" + nothing.port() + "/3")
                .hasMessageNotContaining("s3cret");
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(FAST);
    }

    @Test
    void everyOperationFailsFastWhileRedisIsDown() {
        RedisBackend b = started();
        String id = "s1";
        get(b.createSession(session(id), System.currentTimeMillis() + 60_000));
        redis.kill();
        List<Function<Backend, CompletionStage<?>>> operations = List.of(
                x -> x.append(bytes("m")),
                x -> x.read(0, 10),
                Backend::head,
                x -> x.createSession(session("s2"), System.currentTimeMillis() + 60_000),
                x -> x.findSession(id),
                x -> x.touchSessions(List.of(id), System.currentTimeMillis() + 60_000),
                x -> x.expiredSessions(System.currentTimeMillis(), 10),
                x -> x.setCursor(id, 1),
                x -> x.removeSession(id, bytes("bye")),
                Backend::sessionCount,
                x -> x.join(id, "r", 10, bytes("j")),
                x -> x.leave(id, "r", bytes("l")),
                x -> x.membership(id),
                x -> x.roomMembers("r"),
                x -> x.roomSize("r"),
                x -> x.getData(id, "k"),
                x -> x.getAllData(id),
                x -> x.putData(id, "k", "1"),
                x -> x.compareAndSetData(id, "k", null, "1"),
                x -> x.kvGet("k"),
                x -> x.kvPut("k", "v", 0),
                x -> x.kvCompareAndSet("k", null, "v", 0));
        for (Function<Backend, CompletionStage<?>> op : operations) {
            assertUnavailable(op.apply(b));
        }
    }

    @Test
    void manyOperationsWhileRedisIsDownAreRejectedNotBuffered() {
        RedisBackend b = started();
        redis.kill();
        List<CompletionStage<Long>> stages = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            stages.add(b.append(bytes("m" + i)));
        }
        stages.forEach(RedisBackendFaultIT::assertUnavailable);
    }

    @Test
    void operationsWorkAgainAfterRedisRestarts() {
        RedisBackend b = started();
        get(b.append(bytes("before")));
        redis.kill();
        assertUnavailable(b.append(bytes("while down")));
        redis.start();
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> get(b.append(bytes("after"))) > 0);
        get(b.createSession(session("s"), System.currentTimeMillis() + 60_000));
        assertThat(get(b.findSession("s"))).isNotNull();
    }

    @Test
    void positionsKeepIncreasingAfterRedisLostItsData() {
        RedisBackend b = started();
        long before = 0;
        for (int i = 0; i < 5; i++) {
            before = get(b.append(bytes("m" + i)));
        }
        redis.restart(); // no persistence: the sequence and the stream are gone
        long last = before;
        long after = await().atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> get(b.append(bytes("after"))), p -> p > 0);
        assertThat(after).isGreaterThan(last);
        assertThat(get(b.head())).isEqualTo(after);
    }

    @Test
    void aSubscriptionReportsUnavailabilityAndResumesDeliveringNewAppendsAfterARestart() {
        RedisBackend b = started();
        Recorder rec = new Recorder();
        subscribe(b, rec);
        long first = get(b.append(bytes("first")));
        await().atMost(FAST).until(() -> rec.positions().contains(first));

        redis.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.availability.contains(false));
        redis.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> rec.availability.contains(true));

        long next = await().atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> get(b.append(bytes("next"))), p -> p > 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().contains(next));
        assertThat(rec.positions()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aSubscriptionResumesFromItsLastPositionAfterItsConnectionWasCut() {
        RedisBackend subscriber = started();
        RedisBackend writer = started();
        Recorder rec = new Recorder();
        subscribe(subscriber, rec);
        long first = get(writer.append(bytes("m0")));
        await().atMost(FAST).until(() -> rec.positions().contains(first));

        List<Long> written = new ArrayList<>(List.of(first));
        redis.tryCommand("CLIENT KILL TYPE normal"); // cuts every client connection; the data stays
        for (int i = 1; i <= 50; i++) {
            String text = "m" + i;
            written.add(await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> get(writer.append(bytes(text))), p -> p > 0));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() >= written.size());
        assertThat(rec.positions()).containsExactlyElementsOf(written);
        assertThat(rec.gaps).isEmpty();
    }

    @Test
    void operationsSurviveAScriptFlushBehindTheirBack() {
        RedisBackend b = started();
        String id = "s";
        get(b.createSession(session(id), System.currentTimeMillis() + 60_000));
        assertThat(redis.tryCommand("SCRIPT FLUSH")).isEqualTo("+OK");
        long p = get(b.append(bytes("after flush")));
        assertThat(get(b.join(id, "r", 10, bytes("j"))).position()).isGreaterThan(p);
    }

    @Test
    void anIdleSubscriptionStaysAvailableLongerThanTheCommandTimeout() {
        RedisBackend b = started(); // command timeout 1 s, XREAD blocks 2 s at a time
        Recorder rec = new Recorder();
        subscribe(b, rec);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(rec.availability::isEmpty);
        long p = get(b.append(bytes("still there")));
        await().atMost(FAST).until(() -> rec.positions().contains(p));
    }

    @Test
    void closeIsPromptWhileRedisIsDown() {
        RedisBackend b = started();
        subscribe(b, new Recorder());
        redis.kill();
        long began = System.nanoTime();
        b.close();
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(FAST);
    }

    @Test
    void closeStopsTheSubscriptionThreads() {
        // only this backend's threads: another test's backend may still be closing its own
        java.util.Set<Thread> others = subscriptionThreads();
        RedisBackend b = started();
        subscribe(b, new Recorder());
        subscribe(b, new Recorder());
        java.util.Set<Thread> ours = new java.util.HashSet<>();
        await().atMost(FAST).until(() -> {
            ours.addAll(subscriptionThreads());
            ours.removeAll(others);
            return ours.size() >= 2;
        });
        b.close();
        await().atMost(FAST).until(() -> ours.stream().noneMatch(Thread::isAlive));
    }

    private static java.util.Set<Thread> subscriptionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("socket-serve-redis-log-"))
                .collect(java.util.stream.Collectors.toSet());
    }

    private LogSubscription subscribe(Backend b, Recorder rec) {
        return b.subscribe(get(b.head()), rec);
    }

    private static SessionRecord session(String id) {
        return new SessionRecord(id, "h", "/", 1, 0, 0, Map.of());
    }

    private static final class Recorder implements LogListener {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        final List<Boolean> availability = new CopyOnWriteArrayList<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>();

        @Override
        public void onRecords(List<LogRecord> batch) {
            records.addAll(batch);
        }

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
        }

        @Override
        public void onAvailability(boolean available) {
            availability.add(available);
        }

        List<Long> positions() {
            List<Long> out = new ArrayList<>();
            records.forEach(r -> out.add(r.position()));
            return out;
        }
    }
}
