package io.socketserve.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Backend} implementation passes. Extend it, return a new, unstarted
 * backend from {@link #newBackend()} and release what the test used in {@link #cleanUp()}.
 *
 * <p>A backend whose instances share a store (Redis) returns, for every call within one test, a
 * backend on the same store, so that two backends of one test behave like two instances of one
 * cluster; the tests about instances then run too. A backend without a shared store (in-memory)
 * overrides {@link #instancesShareTheStore()} to return {@code false}, and those tests are skipped.
 *
 * <pre>{@code
 * class MyBackendContractTest extends BackendContractTest {
 *     protected Backend newBackend() { return new MyBackend(store); }
 * }
 * }</pre>
 *
 * <p>Each test checks one behaviour documented on {@link Backend}, and is named after it. Tests wait
 * with Awaitility, never with sleeps; every stage is awaited with a timeout, so a backend that hangs
 * fails instead of blocking the build.
 */
public abstract class BackendContractTest {

    /** The {@code maxLogEntries} the backend of each test is started with. */
    protected static final int MAX_LOG_ENTRIES = 1_000;

    /** How long a single backend operation may take before the test fails. */
    protected static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);

    private static final AtomicLong IDS = new AtomicLong();

    /** The backend under test, started with {@link #MAX_LOG_ENTRIES}. */
    protected Backend backend;

    private final List<Backend> backends = new ArrayList<>();
    private final List<LogSubscription> subscriptions = new ArrayList<>();

    /** A new, unstarted backend on the store of the current test. */
    protected abstract Backend newBackend();

    /** Called after each test, once every backend of the test has been closed. */
    protected void cleanUp() throws Exception {}

    /** Whether two backends from {@link #newBackend()} within one test see the same state. */
    protected boolean instancesShareTheStore() {
        return true;
    }

    /**
     * Whether the batched operations append one entry per call, as {@link Backend#joinSelected} asks
     * of a backend that overrides them; {@code false} for a backend that relies on the default
     * implementations (one entry per change).
     */
    protected boolean batchesAppendOneEntry() {
        return true;
    }

    /** Another started instance on the store of {@link #backend}; skips the test without a shared store. */
    protected final Backend otherInstance() {
        assumeTrue(instancesShareTheStore(), "instances of this backend do not share a store");
        return started(MAX_LOG_ENTRIES);
    }

    @BeforeEach
    final void startBackend() {
        backend = started(MAX_LOG_ENTRIES);
    }

    @AfterEach
    final void closeBackends() throws Exception {
        subscriptions.forEach(LogSubscription::close);
        backends.forEach(Backend::close);
        cleanUp();
    }

    // ------------------------------------------------------------------------------------ helpers

    /** A further backend on the same store (another "instance"), started; closed after the test. */
    protected final Backend started(int maxLogEntries) {
        Backend b = newBackend();
        backends.add(b);
        get(b.start(maxLogEntries));
        return b;
    }

    protected static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("backend operation failed", e);
        }
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    protected static String newId() {
        return "sess" + IDS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    }

    protected static SessionRecord record(String id) {
        return new SessionRecord(id, "hash-" + id, "/", 1_700_000_000_000L, 0, 0, Map.of("user", "u-" + id));
    }

    protected final String createSession() {
        return createSession(System.currentTimeMillis() + 60_000);
    }

    protected final String createSession(long expiresAt) {
        String id = newId();
        get(backend.createSession(record(id), expiresAt));
        return id;
    }

    private long append(String text) {
        return get(backend.append(bytes(text)));
    }

    private List<String> texts(List<LogRecord> records) {
        List<String> out = new ArrayList<>();
        records.forEach(r -> out.add(text(r.entry())));
        return out;
    }

    private LogSubscription subscribe(Backend b, long after, LogListener listener) {
        LogSubscription s = b.subscribe(after, listener);
        subscriptions.add(s);
        return s;
    }

    private static <T> List<T> race(int threads, Supplier<T> task) throws Exception {
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

    /** Records what a subscription delivers and checks that calls never overlap. */
    protected static class Recorder implements LogListener {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicBoolean overlapped = new AtomicBoolean();
        final AtomicBoolean emptyBatch = new AtomicBoolean();

        @Override
        public void onRecords(List<LogRecord> batch) {
            if (inFlight.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            if (batch.isEmpty()) {
                emptyBatch.set(true);
            }
            records.addAll(batch);
            Thread.yield();
            inFlight.decrementAndGet();
        }

        @Override
        public void onGap(long afterPosition, long oldestPosition) {
            gaps.add(new long[] {afterPosition, oldestPosition});
        }

        List<Long> positions() {
            List<Long> out = new ArrayList<>();
            records.forEach(r -> out.add(r.position()));
            return out;
        }

        List<String> texts() {
            List<String> out = new ArrayList<>();
            records.forEach(r -> out.add(text(r.entry())));
            return out;
        }
    }

    // ---------------------------------------------------------------------------------------- log

    @Test
    void headIsZeroWhenTheLogIsEmpty() {
        assertThat(get(backend.head())).isZero();
    }

    @Test
    void appendReturnsPositionsOfAtLeastOne() {
        assertThat(append("a")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void appendReturnsStrictlyIncreasingPositions() {
        long a = append("a");
        long b = append("b");
        long c = append("c");
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    @Test
    void headIsThePositionOfTheNewestEntry() {
        append("a");
        long b = append("b");
        assertThat(get(backend.head())).isEqualTo(b);
    }

    @Test
    void appendsIssuedFromOneThreadTakeEffectInCallOrder() {
        List<CompletionStage<Long>> stages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            stages.add(backend.append(bytes("m" + i)));
        }
        List<Long> positions = new ArrayList<>();
        stages.forEach(s -> positions.add(get(s)));
        assertThat(positions).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void joinFollowedByAppendFromOneThreadIsAppendedInThatOrder() {
        String id = createSession();
        CompletionStage<JoinResult> join = backend.join(id, "r", 10, bytes("join"));
        CompletionStage<Long> append = backend.append(bytes("msg"));
        assertThat(get(append)).isGreaterThan(get(join).position());
    }

    @Test
    void concurrentAppendsGetDistinctPositions() throws Exception {
        List<Long> positions = race(8, () -> append("x"));
        assertThat(positions).doesNotHaveDuplicates();
    }

    @Test
    void readReturnsEntriesAfterThePositionInOrder() {
        long a = append("a");
        append("b");
        append("c");
        LogSlice slice = get(backend.read(a, 100));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records()).extracting(LogRecord::position).isSorted();
    }

    @Test
    void readFromZeroReturnsEverything() {
        append("a");
        append("b");
        assertThat(texts(get(backend.read(0, 100)).records())).containsExactly("a", "b");
    }

    @Test
    void readReturnsAtMostMaxEntries() {
        for (int i = 0; i < 5; i++) {
            append("m" + i);
        }
        assertThat(texts(get(backend.read(0, 3)).records())).containsExactly("m0", "m1", "m2");
    }

    @Test
    void readReportsTheHead() {
        append("a");
        long b = append("b");
        assertThat(get(backend.read(0, 1)).head()).isEqualTo(b);
    }

    @Test
    void readReportsTheOldestPositionWhenNothingWasTrimmed() {
        long a = append("a");
        append("b");
        assertThat(get(backend.read(a, 10)).oldestPosition()).isEqualTo(a);
    }

    @Test
    void readOfAnEmptyLogReportsHeadPlusOneAsOldest() {
        LogSlice slice = get(backend.read(0, 10));
        assertThat(slice.records()).isEmpty();
        assertThat(slice.head()).isZero();
        assertThat(slice.oldestPosition()).isEqualTo(1);
    }

    @Test
    void readAtTheHeadReturnsNothing() {
        long a = append("a");
        assertThat(get(backend.read(a, 10)).records()).isEmpty();
    }

    @Test
    void readPositionsMatchAppendPositions() {
        long a = append("a");
        long b = append("b");
        assertThat(get(backend.read(0, 10)).records())
                .extracting(LogRecord::position)
                .containsExactly(a, b);
    }

    @Test
    void entriesAreStoredByteForByte() {
        byte[] entry = new byte[256];
        for (int i = 0; i < entry.length; i++) {
            entry[i] = (byte) i;
        }
        long p = get(backend.append(entry.clone()));
        LogRecord r = get(backend.read(p - 1, 1)).records().get(0);
        assertThat(r.position()).isEqualTo(p);
        assertThat(r.entry()).isEqualTo(entry);
    }

    @Test
    void logKeepsAtLeastMaxLogEntries() {
        Backend small = started(16);
        long last = 0;
        for (int i = 0; i < 400; i++) {
            last = get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(0, 1_000));
        assertThat(slice.head()).isEqualTo(last);
        assertThat(slice.records().size()).isGreaterThanOrEqualTo(16);
        assertThat(texts(slice.records())).endsWith("m399");
    }

    @Test
    void logIsTrimmedPastMaxLogEntries() {
        Backend small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(0, 1_000));
        assertThat(slice.oldestPosition()).isGreaterThan(first);
        assertThat(texts(slice.records())).doesNotContain("first");
    }

    @Test
    void readFromBeforeTheOldestStartsAtTheOldestAndReportsIt() {
        Backend small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        LogSlice slice = get(small.read(first, 10));
        assertThat(slice.oldestPosition()).isGreaterThan(first + 1);
        assertThat(slice.records().get(0).position()).isEqualTo(slice.oldestPosition());
    }

    // -------------------------------------------------------------------------------- readBefore

    /** Walks the log backwards from the head in chunks of {@code chunk}; the records in log order. */
    private static List<LogRecord> walkBack(Backend b, int chunk) {
        List<LogRecord> newestFirst = new ArrayList<>();
        long before = get(b.head()) + 1;
        while (true) {
            LogSlice slice = get(b.readBefore(before, chunk));
            List<LogRecord> records = slice.records();
            assertThat(records.size()).isLessThanOrEqualTo(chunk);
            for (int i = records.size() - 1; i >= 0; i--) {
                newestFirst.add(records.get(i));
            }
            if (records.size() < chunk || records.get(0).position() <= slice.oldestPosition()) {
                break;
            }
            before = records.get(0).position();
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    @Test
    void readBeforeReturnsTheNewestEntriesBeforeThePositionInLogOrder() {
        append("a");
        append("b");
        append("c");
        long d = append("d");
        append("e");
        LogSlice slice = get(backend.readBefore(d, 2));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records()).extracting(LogRecord::position).isSorted().allMatch(p -> p < d);
    }

    @Test
    void readBeforeTheHeadPlusOneEndsWithTheNewestEntry() {
        append("a");
        append("b");
        long c = append("c");
        LogSlice slice = get(backend.readBefore(c + 1, 2));
        assertThat(texts(slice.records())).containsExactly("b", "c");
        assertThat(slice.records().get(1).position()).isEqualTo(c);
        assertThat(slice.head()).isEqualTo(c);
    }

    @Test
    void readBeforeFarBeyondTheHeadReturnsTheNewestEntries() {
        append("a");
        append("b");
        assertThat(texts(get(backend.readBefore(Long.MAX_VALUE, 1)).records())).containsExactly("b");
    }

    @Test
    void readBeforeReturnsFewerThanMaxAtTheStartOfTheLogAndReportsTheOldest() {
        long a = append("a");
        long b = append("b");
        LogSlice slice = get(backend.readBefore(b + 1, 10));
        assertThat(texts(slice.records())).containsExactly("a", "b");
        assertThat(slice.oldestPosition()).isEqualTo(a);
    }

    @Test
    void readBeforeTheOldestEntryReturnsNothing() {
        long a = append("a");
        append("b");
        assertThat(get(backend.readBefore(a, 10)).records()).isEmpty();
        assertThat(get(backend.readBefore(0, 10)).records()).isEmpty();
    }

    @Test
    void readBeforeOfAnEmptyLogReturnsNothingAndHeadPlusOneAsOldest() {
        LogSlice slice = get(backend.readBefore(1, 10));
        assertThat(slice.records()).isEmpty();
        assertThat(slice.head()).isZero();
        assertThat(slice.oldestPosition()).isEqualTo(1);
    }

    @Test
    void readBeforeRejectsAMaxBelowOne() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> backend.readBefore(1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readBeforeWalksBackInChunksToTheStartOfTheLog() {
        List<Long> appended = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            appended.add(append("m" + i));
        }
        assertThat(walkBack(backend, 7)).extracting(LogRecord::position).containsExactlyElementsOf(appended);
    }

    @Test
    void readBeforeMatchesReadByteForByte() {
        byte[] entry = new byte[256];
        for (int i = 0; i < entry.length; i++) {
            entry[i] = (byte) i;
        }
        long p = get(backend.append(entry.clone()));
        LogRecord r = get(backend.readBefore(p + 1, 1)).records().get(0);
        assertThat(r.position()).isEqualTo(p);
        assertThat(r.entry()).isEqualTo(entry);
    }

    @Test
    void readBeforeStopsAtTheOldestEntryAfterTrimming() {
        Backend small = started(16);
        get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        long oldest = get(small.read(0, 1)).oldestPosition();
        List<LogRecord> all = walkBack(small, 16);
        assertThat(texts(all)).doesNotContain("first").endsWith("m398", "m399");
        assertThat(all.get(0).position()).isEqualTo(oldest);
        assertThat(all).extracting(LogRecord::position).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void readBeforeSeesAppendsOfAnotherInstance() {
        Backend other = otherInstance();
        append("mine");
        long p = get(other.append(bytes("from other")));
        LogSlice slice = get(backend.readBefore(p + 1, 10));
        assertThat(texts(slice.records())).containsExactly("mine", "from other");
    }

    // ---------------------------------------------------------------------------------- subscribe

    @Test
    void subscribeDeliversExistingEntriesAfterThePosition() {
        long a = append("a");
        append("b");
        append("c");
        Recorder rec = new Recorder();
        subscribe(backend, a, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 2);
        assertThat(rec.texts()).containsExactly("b", "c");
    }

    @Test
    void subscribeDeliversLaterAppends() {
        Recorder rec = new Recorder();
        subscribe(backend, get(backend.head()), rec);
        long p = append("later");
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 1);
        assertThat(rec.records.get(0).position()).isEqualTo(p);
        assertThat(rec.texts()).containsExactly("later");
    }

    @Test
    void subscribeFromTheHeadDeliversOnlyNewEntries() {
        append("old");
        Recorder rec = new Recorder();
        subscribe(backend, get(backend.head()), rec);
        append("new");
        await().atMost(OPERATION_TIMEOUT).until(() -> !rec.records.isEmpty());
        assertThat(rec.texts()).containsExactly("new");
    }

    @Test
    void subscribeDeliversEveryEntryOnceInLogOrder() throws Exception {
        Recorder rec = new Recorder();
        subscribe(backend, 0, rec);
        List<Long> appended = Collections.synchronizedList(new ArrayList<>());
        race(8, () -> {
            for (int i = 0; i < 50; i++) {
                appended.add(append("x"));
            }
            return null;
        });
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() >= 400);
        assertThat(rec.positions()).isSorted().doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(appended);
    }

    @Test
    void subscribeDeliversToTheListenerSerially() throws Exception {
        Recorder rec = new Recorder();
        subscribe(backend, 0, rec);
        race(4, () -> {
            for (int i = 0; i < 50; i++) {
                append("x");
            }
            return null;
        });
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() >= 200);
        assertThat(rec.overlapped).isFalse();
        assertThat(rec.emptyBatch).isFalse();
    }

    @Test
    void subscribeSeesAppendsOfAnotherInstance() {
        Backend other = otherInstance();
        Recorder rec = new Recorder();
        subscribe(backend, get(backend.head()), rec);
        long p = get(other.append(bytes("from other")));
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.positions().contains(p));
    }

    @Test
    void subscribeReportsAGapWhenTheLogWasTrimmedPastItsPosition() {
        Backend small = started(16);
        long first = get(small.append(bytes("first")));
        for (int i = 0; i < 400; i++) {
            get(small.append(bytes("m" + i)));
        }
        long oldest = get(small.read(0, 1)).oldestPosition();
        Recorder rec = new Recorder();
        subscribe(small, first - 1, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> !rec.gaps.isEmpty() && !rec.records.isEmpty());
        assertThat(rec.gaps.get(0)[0]).isEqualTo(first - 1);
        assertThat(rec.gaps.get(0)[1]).isEqualTo(oldest);
        assertThat(rec.records.get(0).position()).isEqualTo(oldest);
    }

    @Test
    void subscribeReportsNoGapWhenNothingWasTrimmed() {
        append("a");
        append("b");
        Recorder rec = new Recorder();
        subscribe(backend, 0, rec);
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 2);
        assertThat(rec.gaps).isEmpty();
    }

    @Test
    void closedSubscriptionDeliversNothingMore() {
        Recorder rec = new Recorder();
        LogSubscription s = subscribe(backend, get(backend.head()), rec);
        append("before");
        await().atMost(OPERATION_TIMEOUT).until(() -> rec.records.size() == 1);
        s.close();
        append("after");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> rec.records.size() == 1);
    }

    @Test
    void closingASubscriptionTwiceIsHarmless() {
        LogSubscription s = subscribe(backend, 0, new Recorder());
        s.close();
        s.close();
    }

    @Test
    void closingOneSubscriptionLeavesOthersRunning() {
        Recorder closed = new Recorder();
        Recorder open = new Recorder();
        long head = get(backend.head());
        subscribe(backend, head, closed).close();
        subscribe(backend, head, open);
        append("x");
        await().atMost(OPERATION_TIMEOUT).until(() -> open.records.size() == 1);
        assertThat(closed.records).isEmpty();
    }

    // ----------------------------------------------------------------------------------- sessions

    @Test
    void createSessionReturnsTheHeadAsCreationPosition() {
        append("a");
        long head = append("b");
        assertThat(get(backend.createSession(record(newId()), System.currentTimeMillis() + 60_000)))
                .isEqualTo(head);
    }

    @Test
    void createSessionOnAnEmptyLogReturnsZero() {
        assertThat(get(backend.createSession(record(newId()), System.currentTimeMillis() + 60_000)))
                .isZero();
    }

    @Test
    void createSessionAppendsNothing() {
        long head = append("a");
        createSession();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void findSessionReturnsTheRecordWithCreationPositionAndCursor() {
        long head = append("a");
        String id = newId();
        get(backend.createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(backend.findSession(id))).isEqualTo(record(id).withCreatedPosition(head));
    }

    @Test
    void findSessionKeepsAttributesAndEmptyAttributes() {
        String id = newId();
        SessionRecord r = new SessionRecord(id, "h", "/chat", 42, 0, 0, Map.of("a", "1", "b", "", "c:d", "x y"));
        get(backend.createSession(r, System.currentTimeMillis() + 60_000));
        assertThat(get(backend.findSession(id)).attributes()).isEqualTo(r.attributes());
        String bare = newId();
        get(backend.createSession(
                new SessionRecord(bare, "h", "/", 1, 0, 0, Map.of()), System.currentTimeMillis() + 60_000));
        assertThat(get(backend.findSession(bare)).attributes()).isEmpty();
    }

    @Test
    void findSessionReturnsNullForAnUnknownId() {
        assertThat(get(backend.findSession("nobody"))).isNull();
    }

    @Test
    void sessionsAreVisibleToAnotherInstance() {
        String id = createSession();
        Backend other = otherInstance();
        assertThat(get(other.findSession(id))).isNotNull();
    }

    @Test
    void sessionCountCountsSessions() {
        createSession();
        String b = createSession();
        createSession();
        get(backend.removeSession(b, bytes("bye")));
        assertThat(get(backend.sessionCount())).isEqualTo(2);
    }

    @Test
    void expiredSessionsReturnsSessionsWhoseExpiryIsAtOrBeforeNow() {
        long now = System.currentTimeMillis();
        String past = createSession(now - 1_000);
        String exactly = createSession(now);
        String future = createSession(now + 60_000);
        assertThat(get(backend.expiredSessions(now, 100)))
                .containsExactlyInAnyOrder(past, exactly)
                .doesNotContain(future);
    }

    @Test
    void expiredSessionsReturnsAtMostMax() {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            createSession(now - 1_000);
        }
        assertThat(get(backend.expiredSessions(now, 3))).hasSize(3);
    }

    @Test
    void expiredSessionsDoesNotRemoveThem() {
        long now = System.currentTimeMillis();
        String id = createSession(now - 1_000);
        get(backend.expiredSessions(now, 10));
        assertThat(get(backend.findSession(id))).isNotNull();
        assertThat(get(backend.expiredSessions(now, 10))).contains(id);
    }

    @Test
    void touchSessionsMovesTheExpiry() {
        long now = System.currentTimeMillis();
        String touched = createSession(now - 1_000);
        String untouched = createSession(now - 1_000);
        get(backend.touchSessions(List.of(touched), now + 60_000));
        assertThat(get(backend.expiredSessions(now, 10))).containsExactly(untouched);
        assertThat(get(backend.expiredSessions(now + 60_000, 10))).contains(touched, untouched);
    }

    @Test
    void touchSessionsCanMoveTheExpiryEarlier() {
        long now = System.currentTimeMillis();
        String id = createSession(now + 60_000);
        get(backend.touchSessions(List.of(id), now - 1));
        assertThat(get(backend.expiredSessions(now, 10))).containsExactly(id);
    }

    @Test
    void touchSessionsIgnoresUnknownIds() {
        String id = createSession();
        get(backend.touchSessions(List.of("nobody", id), System.currentTimeMillis() + 120_000));
        assertThat(get(backend.findSession("nobody"))).isNull();
        assertThat(get(backend.sessionCount())).isEqualTo(1);
        assertThat(get(backend.expiredSessions(Long.MAX_VALUE / 2, 10))).containsExactly(id);
    }

    @Test
    void touchSessionsWithNoIdsDoesNothing() {
        get(backend.touchSessions(List.of(), System.currentTimeMillis()));
        assertThat(get(backend.sessionCount())).isZero();
    }

    @Test
    void setCursorRecordsThePosition() {
        String id = createSession();
        long p = append("a");
        get(backend.setCursor(id, p));
        assertThat(get(backend.findSession(id)).cursor()).isEqualTo(p);
    }

    @Test
    void setCursorKeepsTheRestOfTheRecord() {
        String id = createSession();
        SessionRecord before = get(backend.findSession(id));
        get(backend.setCursor(id, 99));
        assertThat(get(backend.findSession(id))).isEqualTo(before.withCursor(99));
    }

    @Test
    void setCursorOfAnUnknownIdIsIgnored() {
        get(backend.setCursor("nobody", 5));
        assertThat(get(backend.findSession("nobody"))).isNull();
        assertThat(get(backend.sessionCount())).isZero();
    }

    // ----------------------------------------------------------------------------- removeSession

    @Test
    void removeSessionReturnsTheRecordRoomsAndData() {
        String id = createSession();
        SessionRecord stored = get(backend.findSession(id));
        get(backend.join(id, "r1", 10, bytes("j1")));
        get(backend.join(id, "r2", 10, bytes("j2")));
        get(backend.putData(id, "k", "\"v\""));
        RemovedSession removed = get(backend.removeSession(id, bytes("bye")));
        assertThat(removed).isNotNull();
        assertThat(removed.session()).isEqualTo(stored);
        assertThat(removed.rooms()).containsExactlyInAnyOrder("r1", "r2");
        assertThat(removed.data()).isEqualTo(Map.of("k", "\"v\""));
    }

    @Test
    void removeSessionAppendsItsEntry() {
        String id = createSession();
        RemovedSession removed = get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.head())).isEqualTo(removed.position());
        LogRecord last = get(backend.read(removed.position() - 1, 1)).records().get(0);
        assertThat(last.position()).isEqualTo(removed.position());
        assertThat(text(last.entry())).isEqualTo("bye");
    }

    @Test
    void removeSessionDeletesTheSession() {
        String id = createSession();
        get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.findSession(id))).isNull();
        assertThat(get(backend.membership(id)).exists()).isFalse();
        assertThat(get(backend.sessionCount())).isZero();
    }

    @Test
    void removeSessionDeletesItsMemberships() {
        String id = createSession();
        String other = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        get(backend.join(other, "r", 10, bytes("j")));
        get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.roomMembers("r"))).containsExactly(other);
        assertThat(get(backend.roomSize("r"))).isEqualTo(1);
    }

    @Test
    void removeSessionEmptiesRoomsThatLoseTheirLastMember() {
        String id = createSession();
        get(backend.join(id, "alone", 10, bytes("j")));
        get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.roomMembers("alone"))).isEmpty();
        assertThat(get(backend.roomSize("alone"))).isZero();
    }

    @Test
    void removeSessionDeletesItsData() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.getAllData(id))).isEmpty();
        assertThat(get(backend.getData(id, "k"))).isNull();
    }

    @Test
    void removeSessionTakesItOutOfTheExpiryIndex() {
        String id = createSession(System.currentTimeMillis() - 1_000);
        get(backend.removeSession(id, bytes("bye")));
        assertThat(get(backend.expiredSessions(System.currentTimeMillis(), 10))).doesNotContain(id);
    }

    @Test
    void removeSessionOfAnUnknownIdReturnsNullAndAppendsNothing() {
        long head = append("a");
        assertThat(get(backend.removeSession("nobody", bytes("bye")))).isNull();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void removeSessionSucceedsOnlyOnce() {
        String id = createSession();
        assertThat(get(backend.removeSession(id, bytes("bye")))).isNotNull();
        long head = get(backend.head());
        assertThat(get(backend.removeSession(id, bytes("bye again")))).isNull();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void concurrentRemoveSessionHasExactlyOneWinner() throws Exception {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        Backend other = instancesShareTheStore() ? otherInstance() : backend;
        AtomicInteger turn = new AtomicInteger();
        List<RemovedSession> results = race(8, () -> {
            Backend b = turn.getAndIncrement() % 2 == 0 ? backend : other;
            return get(b.removeSession(id, bytes("bye")));
        });
        assertThat(results.stream().filter(r -> r != null)).hasSize(1);
        assertThat(texts(get(backend.read(0, 100)).records())).containsOnlyOnce("bye");
    }

    @Test
    void aRemovedIdCanBeCreatedAgainAsANewSession() {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        get(backend.removeSession(id, bytes("bye")));
        get(backend.createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(backend.membership(id)).rooms()).isEmpty();
        assertThat(get(backend.roomMembers("r"))).isEmpty();
    }

    // --------------------------------------------------------------------------------- membership

    @Test
    void joinAddsTheMemberAndAppendsItsEntry() {
        String id = createSession();
        JoinResult result = get(backend.join(id, "r", 10, bytes("joined")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(result.position()).isEqualTo(get(backend.head()));
        assertThat(texts(get(backend.read(result.position() - 1, 1)).records())).containsExactly("joined");
        assertThat(get(backend.roomMembers("r"))).containsExactly(id);
        assertThat(get(backend.membership(id)).rooms()).containsExactly("r");
    }

    @Test
    void joinOfAMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        long head = get(backend.head());
        assertThat(get(backend.join(id, "r", 10, bytes("again"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void joinBeyondMaxRoomsIsLimitReachedAndAppendsNothing() {
        String id = createSession();
        get(backend.join(id, "r1", 2, bytes("j")));
        get(backend.join(id, "r2", 2, bytes("j")));
        long head = get(backend.head());
        assertThat(get(backend.join(id, "r3", 2, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.LIMIT_REACHED));
        assertThat(get(backend.head())).isEqualTo(head);
        assertThat(get(backend.roomMembers("r3"))).isEmpty();
        assertThat(get(backend.membership(id)).rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void joinOfAMemberAtTheLimitIsUnchanged() {
        String id = createSession();
        get(backend.join(id, "r1", 1, bytes("j")));
        assertThat(get(backend.join(id, "r1", 1, bytes("j"))).status()).isEqualTo(JoinResult.Status.UNCHANGED);
    }

    @Test
    void joinAfterLeavingFreesASlotUnderTheLimit() {
        String id = createSession();
        get(backend.join(id, "r1", 1, bytes("j")));
        get(backend.leave(id, "r1", bytes("l")));
        assertThat(get(backend.join(id, "r2", 1, bytes("j"))).status()).isEqualTo(JoinResult.Status.CHANGED);
    }

    @Test
    void joinOfAnUnknownSessionIsNoSessionAndAppendsNothing() {
        long head = append("a");
        assertThat(get(backend.join("nobody", "r", 10, bytes("j"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.NO_SESSION));
        assertThat(get(backend.head())).isEqualTo(head);
        assertThat(get(backend.roomMembers("r"))).isEmpty();
    }

    @Test
    void leaveRemovesTheMemberAndAppendsItsEntry() {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        JoinResult result = get(backend.leave(id, "r", bytes("left")));
        assertThat(result.status()).isEqualTo(JoinResult.Status.CHANGED);
        assertThat(result.position()).isEqualTo(get(backend.head()));
        assertThat(texts(get(backend.read(result.position() - 1, 1)).records())).containsExactly("left");
        assertThat(get(backend.membership(id)).rooms()).isEmpty();
    }

    @Test
    void leaveOfANonMemberIsUnchangedAndAppendsNothing() {
        String id = createSession();
        long head = append("a");
        assertThat(get(backend.leave(id, "r", bytes("l")))).isEqualTo(JoinResult.of(JoinResult.Status.UNCHANGED));
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void leaveOfAnUnknownSessionIsNoSession() {
        assertThat(get(backend.leave("nobody", "r", bytes("l"))))
                .isEqualTo(JoinResult.of(JoinResult.Status.NO_SESSION));
    }

    @Test
    void leaveKeepsOtherMembers() {
        String a = createSession();
        String b = createSession();
        get(backend.join(a, "r", 10, bytes("j")));
        get(backend.join(b, "r", 10, bytes("j")));
        get(backend.leave(a, "r", bytes("l")));
        assertThat(get(backend.roomMembers("r"))).containsExactly(b);
        assertThat(get(backend.membership(b)).rooms()).containsExactly("r");
    }

    @Test
    void anEmptyRoomDisappears() {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        get(backend.leave(id, "r", bytes("l")));
        assertThat(get(backend.roomMembers("r"))).isEmpty();
        assertThat(get(backend.roomSize("r"))).isZero();
    }

    @Test
    void membershipVersionIsTheCreationPositionBeforeAnyChange() {
        append("a");
        String id = createSession();
        MembershipSnapshot snapshot = get(backend.membership(id));
        assertThat(snapshot.exists()).isTrue();
        assertThat(snapshot.rooms()).isEmpty();
        assertThat(snapshot.version()).isEqualTo(get(backend.findSession(id)).createdPosition());
    }

    @Test
    void membershipVersionIsThePositionOfTheLastJoin() {
        String id = createSession();
        get(backend.join(id, "r1", 10, bytes("j")));
        JoinResult last = get(backend.join(id, "r2", 10, bytes("j")));
        append("unrelated");
        MembershipSnapshot snapshot = get(backend.membership(id));
        assertThat(snapshot.version()).isEqualTo(last.position());
        assertThat(snapshot.rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void membershipVersionIsThePositionOfTheLastLeave() {
        String id = createSession();
        get(backend.join(id, "r", 10, bytes("j")));
        JoinResult left = get(backend.leave(id, "r", bytes("l")));
        assertThat(get(backend.membership(id)).version()).isEqualTo(left.position());
    }

    @Test
    void membershipVersionIgnoresUnchangedJoinsAndOtherSessions() {
        String id = createSession();
        String other = createSession();
        JoinResult joined = get(backend.join(id, "r", 10, bytes("j")));
        get(backend.join(id, "r", 10, bytes("again")));
        get(backend.join(other, "r", 10, bytes("j")));
        assertThat(get(backend.membership(id)).version()).isEqualTo(joined.position());
    }

    @Test
    void membershipOfAnUnknownSessionIsMissing() {
        assertThat(get(backend.membership("nobody"))).isEqualTo(MembershipSnapshot.missing());
    }

    @Test
    void roomMembersListsEveryMember() {
        String a = createSession();
        String b = createSession();
        createSession();
        get(backend.join(a, "r", 10, bytes("j")));
        get(backend.join(b, "r", 10, bytes("j")));
        assertThat(get(backend.roomMembers("r"))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void roomSizeCountsMembers() {
        for (int i = 0; i < 3; i++) {
            get(backend.join(createSession(), "r", 10, bytes("j")));
        }
        assertThat(get(backend.roomSize("r"))).isEqualTo(3);
    }

    @Test
    void anUnknownRoomIsEmpty() {
        assertThat(get(backend.roomMembers("never"))).isEmpty();
        assertThat(get(backend.roomSize("never"))).isZero();
    }

    @Test
    void roomNamesAreTakenLiterally() {
        String id = createSession();
        String room = "/chat#room:{a b}*?[x]";
        get(backend.join(id, room, 10, bytes("j")));
        assertThat(get(backend.roomMembers(room))).containsExactly(id);
        assertThat(get(backend.roomMembers("/chat#room:{a b}*?[y]"))).isEmpty();
        assertThat(get(backend.membership(id)).rooms()).containsExactly(room);
    }

    @Test
    void positionsStayStrictlyIncreasingAcrossAllKindsOfAppend() {
        String id = createSession();
        long a = append("a");
        long j = get(backend.join(id, "r", 10, bytes("j"))).position();
        long l = get(backend.leave(id, "r", bytes("l"))).position();
        long r = get(backend.removeSession(id, bytes("bye"))).position();
        long b = append("b");
        assertThat(List.of(a, j, l, r, b)).isSorted().doesNotHaveDuplicates();
    }

    // ------------------------------------------------------------------------------- session data

    @Test
    void putDataThenGetData() {
        String id = createSession();
        assertThat(get(backend.putData(id, "k", "{\"n\":1}"))).isTrue();
        assertThat(get(backend.getData(id, "k"))).isEqualTo("{\"n\":1}");
    }

    @Test
    void putDataReplacesTheValue() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        get(backend.putData(id, "k", "2"));
        assertThat(get(backend.getData(id, "k"))).isEqualTo("2");
    }

    @Test
    void putDataWithNullRemovesTheKey() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        assertThat(get(backend.putData(id, "k", null))).isTrue();
        assertThat(get(backend.getData(id, "k"))).isNull();
        assertThat(get(backend.getAllData(id))).isEmpty();
    }

    @Test
    void putDataOfAnUnknownSessionReturnsFalseAndStoresNothing() {
        assertThat(get(backend.putData("nobody", "k", "1"))).isFalse();
        assertThat(get(backend.getData("nobody", "k"))).isNull();
        assertThat(get(backend.findSession("nobody"))).isNull();
    }

    @Test
    void getDataOfAnAbsentKeyIsNull() {
        String id = createSession();
        assertThat(get(backend.getData(id, "absent"))).isNull();
    }

    @Test
    void getAllDataReturnsEveryKey() {
        String id = createSession();
        get(backend.putData(id, "a", "1"));
        get(backend.putData(id, "b", "\"two\""));
        assertThat(get(backend.getAllData(id))).isEqualTo(Map.of("a", "1", "b", "\"two\""));
    }

    @Test
    void sessionDataIsPerSession() {
        String a = createSession();
        String b = createSession();
        get(backend.putData(a, "k", "1"));
        assertThat(get(backend.getData(b, "k"))).isNull();
    }

    @Test
    void compareAndSetDataSetsWhenTheValueMatches() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        assertThat(get(backend.compareAndSetData(id, "k", "1", "2"))).isTrue();
        assertThat(get(backend.getData(id, "k"))).isEqualTo("2");
    }

    @Test
    void compareAndSetDataFailsWhenTheValueDiffers() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        assertThat(get(backend.compareAndSetData(id, "k", "0", "2"))).isFalse();
        assertThat(get(backend.getData(id, "k"))).isEqualTo("1");
    }

    @Test
    void compareAndSetDataWithNullExpectedSetsOnlyAnAbsentKey() {
        String id = createSession();
        assertThat(get(backend.compareAndSetData(id, "k", null, "1"))).isTrue();
        assertThat(get(backend.compareAndSetData(id, "k", null, "2"))).isFalse();
        assertThat(get(backend.getData(id, "k"))).isEqualTo("1");
    }

    @Test
    void compareAndSetDataWithNullUpdateRemovesTheKey() {
        String id = createSession();
        get(backend.putData(id, "k", "1"));
        assertThat(get(backend.compareAndSetData(id, "k", "1", null))).isTrue();
        assertThat(get(backend.getData(id, "k"))).isNull();
    }

    @Test
    void compareAndSetDataOfAnUnknownSessionFails() {
        assertThat(get(backend.compareAndSetData("nobody", "k", null, "1"))).isFalse();
        assertThat(get(backend.getData("nobody", "k"))).isNull();
    }

    @Test
    void concurrentCompareAndSetDataIncrementsLoseNoUpdate() throws Exception {
        String id = createSession();
        get(backend.putData(id, "n", "0"));
        race(8, () -> {
            for (int i = 0; i < 25; i++) {
                while (true) {
                    String current = get(backend.getData(id, "n"));
                    String next = Integer.toString(Integer.parseInt(current) + 1);
                    if (get(backend.compareAndSetData(id, "n", current, next))) {
                        break;
                    }
                }
            }
            return null;
        });
        assertThat(get(backend.getData(id, "n"))).isEqualTo("200");
    }

    // -------------------------------------------------------------------------------- key/value

    @Test
    void kvPutThenGet() {
        get(backend.kvPut("k", "v", 0));
        assertThat(get(backend.kvGet("k"))).isEqualTo("v");
    }

    @Test
    void kvGetOfAnAbsentKeyIsNull() {
        assertThat(get(backend.kvGet("absent"))).isNull();
    }

    @Test
    void kvPutWithNullDeletes() {
        get(backend.kvPut("k", "v", 0));
        get(backend.kvPut("k", null, 0));
        assertThat(get(backend.kvGet("k"))).isNull();
    }

    @Test
    void kvIsSharedBetweenInstances() {
        get(backend.kvPut("k", "v", 0));
        assertThat(get(otherInstance().kvGet("k"))).isEqualTo("v");
    }

    @Test
    void kvIsSeparateFromSessionData() {
        String id = createSession();
        get(backend.putData(id, "k", "session"));
        assertThat(get(backend.kvGet("k"))).isNull();
        assertThat(get(backend.kvGet(id))).isNull();
    }

    @Test
    void kvPutWithTtlExpires() {
        get(backend.kvPut("k", "v", 200));
        assertThat(get(backend.kvGet("k"))).isEqualTo("v");
        await().atMost(Duration.ofSeconds(5)).until(() -> get(backend.kvGet("k")) == null);
    }

    @Test
    void kvPutWithoutTtlClearsAnEarlierTtl() {
        get(backend.kvPut("k", "v", 200));
        get(backend.kvPut("k", "w", 0));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> "w"
                .equals(get(backend.kvGet("k"))));
    }

    @Test
    void kvCompareAndSetWithNullExpectedSetsOnlyAnAbsentKey() {
        assertThat(get(backend.kvCompareAndSet("k", null, "1", 0))).isTrue();
        assertThat(get(backend.kvCompareAndSet("k", null, "2", 0))).isFalse();
        assertThat(get(backend.kvGet("k"))).isEqualTo("1");
    }

    @Test
    void kvCompareAndSetSetsWhenTheValueMatches() {
        get(backend.kvPut("k", "1", 0));
        assertThat(get(backend.kvCompareAndSet("k", "1", "2", 0))).isTrue();
        assertThat(get(backend.kvGet("k"))).isEqualTo("2");
    }

    @Test
    void kvCompareAndSetFailsWhenTheValueDiffers() {
        get(backend.kvPut("k", "1", 0));
        assertThat(get(backend.kvCompareAndSet("k", "0", "2", 0))).isFalse();
        assertThat(get(backend.kvGet("k"))).isEqualTo("1");
    }

    @Test
    void kvCompareAndSetWithNullUpdateDeletes() {
        get(backend.kvPut("k", "1", 0));
        assertThat(get(backend.kvCompareAndSet("k", "1", null, 0))).isTrue();
        assertThat(get(backend.kvGet("k"))).isNull();
    }

    @Test
    void kvCompareAndSetWithTtlExpires() {
        assertThat(get(backend.kvCompareAndSet("lock", null, "me", 200))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> get(backend.kvGet("lock")) == null);
        assertThat(get(backend.kvCompareAndSet("lock", null, "you", 0))).isTrue();
    }

    @Test
    void concurrentKvCompareAndSetIncrementsLoseNoUpdate() throws Exception {
        get(backend.kvPut("n", "0", 0));
        Backend other = instancesShareTheStore() ? otherInstance() : backend;
        AtomicInteger turn = new AtomicInteger();
        race(8, () -> {
            Backend b = turn.getAndIncrement() % 2 == 0 ? backend : other;
            for (int i = 0; i < 25; i++) {
                while (true) {
                    String current = get(b.kvGet("n"));
                    String next = Integer.toString(Integer.parseInt(current) + 1);
                    if (get(b.kvCompareAndSet("n", current, next, 0))) {
                        break;
                    }
                }
            }
            return null;
        });
        assertThat(get(backend.kvGet("n"))).isEqualTo("200");
    }

    // ------------------------------------------------------------------------------ rate limiting

    private static final long T0 = 1_700_000_000_000L;

    /** {@link Backend#tryAcquire}, skipping the test for a backend that does not share rate limits. */
    private long acquire(Backend b, String key, double rate, int burst, long now) {
        try {
            return b.tryAcquire(key, rate, burst, now)
                    .toCompletableFuture()
                    .get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assumeTrue(!(e.getCause() instanceof UnsupportedOperationException), "no shared rate limiting");
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void tryAcquireGrantsABurstAtOnce() {
        for (int i = 0; i < 3; i++) {
            assertThat(acquire(backend, "b", 1, 3, T0)).isZero();
        }
        assertThat(acquire(backend, "b", 1, 3, T0)).isPositive();
    }

    @Test
    void tryAcquireReportsTheWaitUntilTheNextToken() {
        assertThat(acquire(backend, "b", 2, 1, T0)).isZero();
        assertThat(acquire(backend, "b", 2, 1, T0 + 100)).isBetween(399L, 401L);
    }

    @Test
    void tryAcquireRefillsAtTheRate() {
        assertThat(acquire(backend, "b", 10, 1, T0)).isZero();
        assertThat(acquire(backend, "b", 10, 1, T0 + 50)).isPositive();
        assertThat(acquire(backend, "b", 10, 1, T0 + 100)).isZero();
    }

    @Test
    void tryAcquireNeverRefillsBeyondTheBurst() {
        assertThat(acquire(backend, "b", 1_000, 2, T0)).isZero();
        long later = T0 + 60_000;
        assertThat(acquire(backend, "b", 1_000, 2, later)).isZero();
        assertThat(acquire(backend, "b", 1_000, 2, later)).isZero();
        assertThat(acquire(backend, "b", 1_000, 2, later)).isPositive();
    }

    @Test
    void tryAcquireKeepsOneBucketPerKey() {
        assertThat(acquire(backend, "a", 1, 1, T0)).isZero();
        assertThat(acquire(backend, "a", 1, 1, T0)).isPositive();
        assertThat(acquire(backend, "b", 1, 1, T0)).isZero();
    }

    @Test
    void tryAcquireSharesBucketsBetweenInstances() {
        assertThat(acquire(backend, "b", 1, 1, T0)).isZero();
        assertThat(acquire(otherInstance(), "b", 1, 1, T0)).isPositive();
    }

    // ---------------------------------------------------------------------------------- lifecycle

    // ----------------------------------------------------------------------------------- volatile

    /** Records volatile entries. */
    protected static final class VolatileRecorder extends Recorder {
        final List<String> volatiles = new CopyOnWriteArrayList<>();

        @Override
        public void onVolatile(byte[] entry) {
            volatiles.add(text(entry));
        }
    }

    @Test
    void publishVolatileReachesSubscribersWithoutEnteringTheLog() {
        VolatileRecorder r = new VolatileRecorder();
        subscribe(backend, get(backend.head()), r);
        long head = get(backend.head());
        // Volatile entries published before a subscription is listening are missed by design:
        // publish until one arrives.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    get(backend.publishVolatile(bytes("cursor")));
                    return r.volatiles.contains("cursor");
                });
        assertThat(get(backend.head())).isEqualTo(head);
        assertThat(get(backend.read(0, 100)).records()).isEmpty();
        assertThat(r.records).isEmpty();
    }

    @Test
    void publishVolatileReachesEveryInstance() {
        Backend other = otherInstance();
        VolatileRecorder mine = new VolatileRecorder();
        VolatileRecorder theirs = new VolatileRecorder();
        subscribe(backend, 0, mine);
        subscribe(other, 0, theirs);
        // A subscription may take a moment to be listening; keep publishing until both have one.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    get(backend.publishVolatile(bytes("v")));
                    return !mine.volatiles.isEmpty() && !theirs.volatiles.isEmpty();
                });
    }

    // ----------------------------------------------------------------------------------- presence

    private static final long LIVE = 60_000;

    private PresenceResult enter(Backend b, String id, String room, String user, String state) {
        return get(b.presenceEnter(
                id,
                room,
                user,
                state,
                System.currentTimeMillis() + LIVE,
                bytes("join:" + room + ":" + user),
                bytes("update:" + room + ":" + user + ":" + state)));
    }

    private Map<String, PresenceMember> members(Backend b, String room) {
        Map<String, PresenceMember> out = new java.util.HashMap<>();
        for (PresenceMember m : get(b.presenceMembers(room))) {
            out.put(m.user(), m);
        }
        return out;
    }

    private List<String> logTexts() {
        return texts(get(backend.read(0, 10_000)).records());
    }

    private static Map<String, byte[]> entries(String prefix, SessionPresence sp) {
        Map<String, byte[]> out = new java.util.HashMap<>();
        sp.rooms().keySet().forEach(room -> out.put(room, bytes(prefix + ":" + room + ":" + sp.user())));
        return out;
    }

    @Test
    void presenceEnterJoinsTheUserAndAppendsTheJoinEntry() {
        String id = createSession();
        PresenceResult r = enter(backend, id, "lobby", "ann", "{\"s\":1}");
        assertThat(r.status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(r.position()).isEqualTo(get(backend.head()));
        assertThat(logTexts()).containsExactly("join:lobby:ann");
        assertThat(members(backend, "lobby")).containsOnlyKeys("ann");
        assertThat(members(backend, "lobby").get("ann")).isEqualTo(new PresenceMember("ann", "{\"s\":1}", 1));
        assertThat(get(backend.presenceCount("lobby"))).isEqualTo(1);
        SessionPresence sp = get(backend.sessionPresence(id));
        assertThat(sp).isEqualTo(new SessionPresence("ann", Map.of("lobby", "{\"s\":1}"), true));
    }

    @Test
    void presenceCountsAUserWithSeveralSessionsOnce() {
        String a = createSession();
        String b = createSession();
        assertThat(enter(backend, a, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(enter(backend, b, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(backend.presenceCount("lobby"))).isEqualTo(1);
        assertThat(members(backend, "lobby").get("ann").sessions()).isEqualTo(2);
        assertThat(logTexts()).containsExactly("join:lobby:ann");

        assertThat(get(backend.presenceLeave(a, "lobby", bytes("leave-a"))).status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(backend.presenceCount("lobby"))).isEqualTo(1);
        PresenceResult last = get(backend.presenceLeave(b, "lobby", bytes("leave-b")));
        assertThat(last.status()).isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(backend.presenceCount("lobby"))).isZero();
        assertThat(get(backend.presenceMembers("lobby"))).isEmpty();
        assertThat(logTexts()).containsExactly("join:lobby:ann", "leave-b");
    }

    @Test
    void presenceEnterWithAnotherStateUpdatesAndAppends() {
        String a = createSession();
        String b = createSession();
        enter(backend, a, "lobby", "ann", "1");
        assertThat(enter(backend, b, "lobby", "ann", "2").status()).isEqualTo(PresenceResult.Status.UPDATED);
        assertThat(members(backend, "lobby").get("ann").state()).isEqualTo("2");
        assertThat(enter(backend, b, "lobby", "ann", "2").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(logTexts()).containsExactly("join:lobby:ann", "update:lobby:ann:2");
    }

    @Test
    void presenceEnterOfAnUnknownSessionOrAnotherUserChangesNothing() {
        assertThat(enter(backend, "nope", "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.NO_SESSION);
        String id = createSession();
        enter(backend, id, "lobby", "ann", "1");
        assertThat(enter(backend, id, "other", "bob", "1").status()).isEqualTo(PresenceResult.Status.USER_MISMATCH);
        assertThat(get(backend.presenceCount("other"))).isZero();
        assertThat(logTexts()).containsExactly("join:lobby:ann");
    }

    @Test
    void presenceUpdateSetsTheStateOnlyWhereTracked() {
        String id = createSession();
        enter(backend, id, "lobby", "ann", "1");
        PresenceResult r = get(backend.presenceUpdate(id, "lobby", "{\"away\":true}", bytes("upd")));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.UPDATED);
        assertThat(members(backend, "lobby").get("ann").state()).isEqualTo("{\"away\":true}");
        assertThat(get(backend.sessionPresence(id)).rooms()).containsEntry("lobby", "{\"away\":true}");
        assertThat(get(backend.presenceUpdate(id, "lobby", "{\"away\":true}", bytes("same")))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(backend.presenceUpdate(id, "elsewhere", "1", bytes("x"))).status())
                .isEqualTo(PresenceResult.Status.NOT_TRACKED);
        assertThat(logTexts()).containsExactly("join:lobby:ann", "upd");
    }

    @Test
    void presenceLeaveOfAnUntrackedRoomIsNotTracked() {
        String id = createSession();
        assertThat(get(backend.presenceLeave(id, "lobby", bytes("x"))).status())
                .isEqualTo(PresenceResult.Status.NOT_TRACKED);
        assertThat(logTexts()).isEmpty();
    }

    @Test
    void presenceRefreshExtendsLiveSessionsAndReportsLapsedOnes() {
        String live = createSession();
        String lapsing = createSession();
        String untracked = createSession();
        enter(backend, live, "lobby", "ann", "1");
        get(backend.presenceEnter(lapsing, "lobby", "bob", "1", System.currentTimeMillis() - 1, bytes("jb"), null));
        long now = System.currentTimeMillis();
        assertThat(get(backend.presenceLapsed(now, 100))).containsExactly(lapsing);
        SessionPresence sp = get(backend.sessionPresence(lapsing));
        assertThat(get(backend.presenceDrop(lapsing, entries("leave", sp), now, 60_000))
                        .status())
                .isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(backend.sessionPresence(lapsing)).live()).isFalse();
        assertThat(get(backend.sessionPresence(lapsing)).rooms()).containsOnlyKeys("lobby");
        assertThat(members(backend, "lobby")).containsOnlyKeys("ann");
        assertThat(get(backend.presenceRefresh(List.of(live, lapsing, untracked, "nope"), now + LIVE)))
                .containsExactly(lapsing);
        assertThat(get(backend.presenceLapsed(now + LIVE / 2, 100))).isEmpty();
    }

    @Test
    void presenceRefreshOfManyIdsReportsEveryLapsedOne() {
        List<String> ids = new ArrayList<>();
        List<String> lapsed = new ArrayList<>();
        long past = System.currentTimeMillis() - 1;
        for (int i = 0; i < 700; i++) {
            String id = createSession();
            ids.add(id);
            if (i % 100 == 7) {
                get(backend.presenceEnter(id, "r", "u" + i, "1", past, bytes("j"), null));
                SessionPresence sp = get(backend.sessionPresence(id));
                get(backend.presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0));
                lapsed.add(id);
            }
        }
        assertThat(get(backend.presenceRefresh(ids, System.currentTimeMillis() + LIVE)))
                .containsExactlyInAnyOrderElementsOf(lapsed);
    }

    @Test
    void presenceDropOfALiveSessionChangesNothing() {
        String id = createSession();
        enter(backend, id, "lobby", "ann", "1");
        SessionPresence sp = get(backend.sessionPresence(id));
        assertThat(get(backend.presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(backend.presenceCount("lobby"))).isEqualTo(1);
    }

    @Test
    void presenceDropAsksToRetryWhenTheRoomsDiffer() {
        String id = createSession();
        get(backend.presenceEnter(id, "a", "ann", "1", System.currentTimeMillis() - 1, bytes("ja"), null));
        assertThat(get(backend.presenceDrop(id, Map.of(), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.RETRY);
        assertThat(get(backend.presenceCount("a"))).isEqualTo(1);
    }

    @Test
    void presenceDropAfterTheSessionEndedForgetsItAndAppendsLeaves() {
        String id = createSession();
        enter(backend, id, "a", "ann", "1");
        enter(backend, id, "b", "ann", "1");
        SessionPresence sp = get(backend.sessionPresence(id));
        get(backend.removeSession(id, bytes("bye")));
        PresenceResult r = get(backend.presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 60_000));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.LEFT);
        assertThat(get(backend.sessionPresence(id))).isNull();
        assertThat(get(backend.presenceCount("a"))).isZero();
        assertThat(get(backend.presenceCount("b"))).isZero();
        assertThat(logTexts()).contains("bye", "leave:a:ann", "leave:b:ann");
        // A second drop (another instance noticing too) changes nothing.
        assertThat(get(backend.presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 0))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(logTexts().stream().filter(t -> t.startsWith("leave:"))).hasSize(2);
    }

    @Test
    void aLapsedSessionMustBeRevivedBeforeEnteringAgain() {
        String id = createSession();
        get(backend.presenceEnter(id, "a", "ann", "1", System.currentTimeMillis() - 1, bytes("ja"), null));
        get(backend.presenceEnter(id, "b", "ann", "2", System.currentTimeMillis() - 1, bytes("jb"), null));
        SessionPresence sp = get(backend.sessionPresence(id));
        get(backend.presenceDrop(id, entries("leave", sp), System.currentTimeMillis(), 60_000));
        assertThat(enter(backend, id, "c", "ann", "3").status()).isEqualTo(PresenceResult.Status.LAPSED);
        assertThat(get(backend.presenceCount("c"))).isZero();

        assertThat(get(backend.presenceRevive(id, Map.of("a", bytes("x")), System.currentTimeMillis() + LIVE))
                        .status())
                .isEqualTo(PresenceResult.Status.RETRY);
        PresenceResult r = get(backend.presenceRevive(id, entries("rejoin", sp), System.currentTimeMillis() + LIVE));
        assertThat(r.status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(members(backend, "a").get("ann").state()).isEqualTo("1");
        assertThat(members(backend, "b").get("ann").state()).isEqualTo("2");
        assertThat(logTexts()).contains("rejoin:a:ann", "rejoin:b:ann");
        assertThat(enter(backend, id, "c", "ann", "3").status()).isEqualTo(PresenceResult.Status.JOINED);
        assertThat(get(backend.presenceRevive(id, Map.of(), System.currentTimeMillis() + LIVE))
                        .status())
                .isEqualTo(PresenceResult.Status.UNCHANGED);
    }

    @Test
    void aUserGoesOfflineOnceAfterTheGracePeriod() {
        String id = createSession();
        enter(backend, id, "lobby", "ann", "1");
        SessionPresence sp = get(backend.sessionPresence(id));
        get(backend.removeSession(id, bytes("bye")));
        long now = System.currentTimeMillis();
        get(backend.presenceDrop(id, entries("leave", sp), now, 5_000));
        assertThat(get(backend.presenceOfflineDue(now + 4_999, 100))).isEmpty();
        assertThat(get(backend.presenceOfflineDue(now + 5_000, 100))).containsExactly("ann");
        assertThat(get(backend.presenceOfflineDue(now + 10_000, 100))).isEmpty();
    }

    @Test
    void aUserWhoComesBackWithinTheGracePeriodDoesNotGoOffline() {
        String first = createSession();
        enter(backend, first, "lobby", "ann", "1");
        SessionPresence sp = get(backend.sessionPresence(first));
        get(backend.removeSession(first, bytes("bye")));
        long now = System.currentTimeMillis();
        get(backend.presenceDrop(first, entries("leave", sp), now, 5_000));
        String second = createSession();
        enter(backend, second, "lobby", "ann", "1");
        assertThat(get(backend.presenceOfflineDue(now + 60_000, 100))).isEmpty();
    }

    @Test
    void aUserWithAnotherLiveSessionDoesNotGoOffline() {
        String a = createSession();
        String b = createSession();
        enter(backend, a, "x", "ann", "1");
        enter(backend, b, "y", "ann", "1");
        SessionPresence sp = get(backend.sessionPresence(a));
        get(backend.removeSession(a, bytes("bye")));
        long now = System.currentTimeMillis();
        get(backend.presenceDrop(a, entries("leave", sp), now, 0));
        assertThat(get(backend.presenceOfflineDue(now + 60_000, 100))).isEmpty();
        assertThat(get(backend.presenceCount("y"))).isEqualTo(1);
    }

    @Test
    void offlineUsersAreHandedToExactlyOneCaller() throws Exception {
        Backend other = otherInstance();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 20; i++) {
            String id = createSession();
            enter(backend, id, "lobby", "user" + i, "1");
            SessionPresence sp = get(backend.sessionPresence(id));
            get(backend.removeSession(id, bytes("bye")));
            get(backend.presenceDrop(id, entries("leave", sp), now, 0));
        }
        List<List<String>> claims =
                race(4, () -> get((IDS.get() % 2 == 0 ? backend : other).presenceOfflineDue(now + 1, 100)));
        List<String> all = new ArrayList<>();
        claims.forEach(all::addAll);
        assertThat(all).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void presenceIsVisibleAcrossInstances() {
        Backend other = otherInstance();
        String a = createSession();
        String b = newId();
        get(other.createSession(record(b), System.currentTimeMillis() + 60_000));
        enter(backend, a, "lobby", "ann", "1");
        assertThat(enter(other, b, "lobby", "ann", "1").status()).isEqualTo(PresenceResult.Status.UNCHANGED);
        assertThat(get(other.presenceCount("lobby"))).isEqualTo(1);
        assertThat(members(other, "lobby").get("ann").sessions()).isEqualTo(2);
    }

    @Test
    void presenceCountOfAnEmptyRoomIsZero() {
        assertThat(get(backend.presenceCount("empty"))).isZero();
        assertThat(get(backend.presenceMembers("empty"))).isEmpty();
        assertThat(get(backend.sessionPresence("nope"))).isNull();
    }

    // ------------------------------------------------------------------------- batched operations

    /** A codec header as the engine would hand it: not text, so backends must treat it as bytes. */
    private static final byte[] PREFIX = {1, 6, 0, 0, 1, (byte) 0x8f, (byte) 0xff, 0, 0x22, 0x5c};

    private static final int ALL = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    protected final String createSessionIn(String namespace) {
        String id = newId();
        get(backend.createSession(
                new SessionRecord(id, "hash-" + id, namespace, 1_700_000_000_000L, 0, 0, Map.of("user", "u-" + id)),
                System.currentTimeMillis() + 60_000));
        return id;
    }

    /** The engine's room key: the bare name in "/", namespace + U+001F + name elsewhere. */
    private static String key(String namespace, String room) {
        return "/".equals(namespace) ? room : namespace + Selection.NAMESPACE_SEPARATOR + room;
    }

    private static Selection in(String namespace, String... rooms) {
        return Selection.rooms(namespace, List.of(rooms), ALL);
    }

    private void join(String id, String room) {
        assertThat(get(backend.join(id, room, 100, bytes("j"))).status()).isEqualTo(JoinResult.Status.CHANGED);
    }

    /** The JSON bodies of the entries appended after {@code after}, each checked to start with PREFIX. */
    private List<JsonNode> bodiesAfter(long after) {
        List<JsonNode> out = new ArrayList<>();
        for (LogRecord r : get(backend.read(after, 10_000)).records()) {
            byte[] e = r.entry();
            assertThat(Arrays.copyOf(e, Math.min(e.length, PREFIX.length))).isEqualTo(PREFIX);
            try {
                out.add(JSON.readTree(Arrays.copyOfRange(e, PREFIX.length, e.length)));
            } catch (java.io.IOException ex) {
                throw new AssertionError("not JSON after the prefix: " + text(e), ex);
            }
        }
        return out;
    }

    /** The membership changes the entries appended after {@code after} list, in log order. */
    private List<MembershipChange> changesAfter(long after) {
        List<MembershipChange> out = new ArrayList<>();
        for (JsonNode body : bodiesAfter(after)) {
            for (JsonNode c : body.get("c")) {
                assertThat(c.get(2).isBoolean()).as("joined flag of %s", c).isTrue();
                out.add(new MembershipChange(
                        c.get(0).asText(), c.get(1).asText(), c.get(2).asBoolean()));
            }
        }
        return out;
    }

    private void assertAppendedOneEntryIfBatched(long before, long position) {
        if (batchesAppendOneEntry()) {
            assertThat(get(backend.read(before, 100)).records()).hasSize(1);
            assertThat(position).isEqualTo(before + 1);
        }
        assertThat(get(backend.head())).isEqualTo(position);
    }

    @Test
    void selectionOfNoRoomsIsEverySessionOfTheNamespace() {
        String a = createSessionIn("/");
        String b = createSessionIn("/");
        String chat = createSessionIn("/chat");
        assertThat(get(backend.selectSessions(Selection.all("/", ALL)))).containsExactlyInAnyOrder(a, b);
        assertThat(get(backend.selectSessions(Selection.all("/chat", ALL)))).containsExactly(chat);
        assertThat(get(backend.selectSessions(Selection.all("/none", ALL)))).isEmpty();
    }

    @Test
    void selectionHoldsTheMembersOfAnyIncludedRoom() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "r1");
        join(b, "r2");
        join(c, "r3");
        join(a, "r2");
        assertThat(get(backend.selectSessions(in("/", "r1", "r2")))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void selectionLeavesOutMembersOfExcludedRoomsAndExcludedIds() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        String d = createSession();
        for (String id : List.of(a, b, c, d)) {
            join(id, "r");
        }
        join(b, "muted");
        Selection s = new Selection("/", List.of("r"), List.of("muted"), List.of(c), ALL);
        assertThat(get(backend.selectSessions(s))).containsExactlyInAnyOrder(a, d);
        Selection everyone = new Selection("/", List.of(), List.of("muted"), List.of(d), ALL);
        assertThat(get(backend.selectSessions(everyone))).containsExactlyInAnyOrder(a, c);
    }

    @Test
    void aSocketIdActsAsARoomOfThatSocket() {
        String a = createSession();
        String b = createSession();
        assertThat(get(backend.selectSessions(in("/", a)))).containsExactly(a);
        String chatA = createSessionIn("/chat");
        createSessionIn("/chat");
        assertThat(get(backend.selectSessions(in("/chat", key("/chat", chatA)))))
                .containsExactly(chatA);
        assertThat(get(backend.selectSessions(in("/", a, b)))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void anExcludedSocketIdLeavesThatSocketOut() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "r");
        join(b, "r");
        assertThat(get(backend.selectSessions(new Selection("/", List.of("r"), List.of(b), List.of(), ALL))))
                .containsExactly(a);
        assertThat(get(backend.selectSessions(new Selection("/", List.of(), List.of(a), List.of(), ALL))))
                .containsExactlyInAnyOrder(b, c);
        String x = createSessionIn("/chat");
        String y = createSessionIn("/chat");
        assertThat(get(backend.selectSessions(
                        new Selection("/chat", List.of(), List.of(key("/chat", x)), List.of(), ALL))))
                .containsExactly(y);
    }

    @Test
    void aRoomNamedLikeASocketIdHoldsThatSocketAndTheRoomsMembers() {
        String a = createSession();
        String b = createSession();
        createSession();
        join(b, a);
        assertThat(get(backend.selectSessions(in("/", a)))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void selectionNeverCrossesNamespaces() {
        String root = createSessionIn("/");
        String chat = createSessionIn("/chat");
        join(root, "lobby");
        // a /chat key naming a root session, a root key naming a /chat session, another namespace's key
        assertThat(get(backend.selectSessions(in("/chat", key("/chat", root))))).isEmpty();
        assertThat(get(backend.selectSessions(in("/", chat)))).isEmpty();
        assertThat(get(backend.selectSessions(in("/chat", "lobby")))).isEmpty();
        assertThat(get(backend.selectSessions(in("/chat", key("/other", chat)))))
                .isEmpty();
        assertThat(get(backend.selectSessions(in("/chat", key("/chat", chat))))).containsExactly(chat);
    }

    @Test
    void selectionOfUnknownRoomsAndIdsIsEmpty() {
        createSession();
        assertThat(get(backend.selectSessions(in("/", "nowhere", "nobody")))).isEmpty();
    }

    @Test
    void selectionHoldsAtMostMaxSessions() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(createSession());
        }
        List<String> three = get(backend.selectSessions(Selection.all("/", 3)));
        assertThat(three).hasSize(3).doesNotHaveDuplicates();
        assertThat(ids).containsAll(three);
        assertThat(get(backend.selectSessions(Selection.all("/", 5)))).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void removedSessionsLeaveTheSelection() {
        String a = createSession();
        String b = createSession();
        join(a, "r");
        get(backend.removeSession(a, bytes("bye")));
        assertThat(get(backend.selectSessions(Selection.all("/", ALL)))).containsExactly(b);
        assertThat(get(backend.selectSessions(in("/", "r", a)))).isEmpty();
    }

    @Test
    void selectionIsTheSameFromAnotherInstance() {
        String a = createSessionIn("/chat");
        Backend other = otherInstance();
        assertThat(get(other.selectSessions(Selection.all("/chat", ALL)))).containsExactly(a);
    }

    @Test
    void sessionSnapshotsReadRecordRoomsAndDataInTheOrderOfTheIds() {
        String a = createSession();
        String b = createSessionIn("/chat");
        join(a, "r1");
        join(a, "r2");
        get(backend.putData(a, "k", "\"v\""));
        List<SessionSnapshot> snaps = get(backend.sessionSnapshots(List.of(b, "nobody", a, b)));
        assertThat(snaps).extracting(sn -> sn.session().id()).containsExactly(b, a);
        assertThat(snaps.get(0).session()).isEqualTo(get(backend.findSession(b)));
        assertThat(snaps.get(0).rooms()).isEmpty();
        assertThat(snaps.get(1).session()).isEqualTo(get(backend.findSession(a)));
        assertThat(snaps.get(1).rooms()).containsExactlyInAnyOrder("r1", "r2");
        assertThat(snaps.get(1).data()).isEqualTo(Map.of("k", "\"v\""));
        assertThat(get(backend.sessionSnapshots(List.of()))).isEmpty();
    }

    @Test
    void sessionSnapshotsOfManySessionsMissNone() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(createSession());
        }
        assertThat(get(backend.sessionSnapshots(ids)))
                .extracting(sn -> sn.session().id())
                .containsExactlyElementsOf(ids);
    }

    @Test
    void joinSelectedJoinsEverySelectedSessionAndAppendsOneEntryListingTheChanges() {
        String a = createSession();
        String b = createSession();
        String outsider = createSession();
        join(a, "r");
        join(b, "r");
        long before = get(backend.head());
        MembershipBatchResult result = get(backend.joinSelected(in("/", "r"), List.of("x", "y"), 10, PREFIX));
        assertThat(result.changes())
                .containsExactlyInAnyOrder(
                        new MembershipChange(a, "x", true),
                        new MembershipChange(a, "y", true),
                        new MembershipChange(b, "x", true),
                        new MembershipChange(b, "y", true));
        assertThat(result.skippedAtLimit()).isEmpty();
        assertThat(result.truncated()).isFalse();
        assertAppendedOneEntryIfBatched(before, result.position());
        assertThat(changesAfter(before)).containsExactlyInAnyOrderElementsOf(result.changes());
        assertThat(get(backend.roomMembers("x"))).containsExactlyInAnyOrder(a, b);
        assertThat(get(backend.roomSize("y"))).isEqualTo(2);
        assertThat(get(backend.membership(a)).rooms()).containsExactlyInAnyOrder("r", "x", "y");
        assertThat(get(backend.membership(outsider)).rooms()).isEmpty();
    }

    @Test
    void joinSelectedListsEachSessionsChangesInRoomOrder() {
        String a = createSession();
        long before = get(backend.head());
        get(backend.joinSelected(in("/", a), List.of("z", "a", "m"), 10, PREFIX));
        assertThat(changesAfter(before))
                .containsExactly(
                        new MembershipChange(a, "z", true),
                        new MembershipChange(a, "a", true),
                        new MembershipChange(a, "m", true));
    }

    @Test
    void joinSelectedOfMembersChangesNothingAndAppendsNothing() {
        String a = createSession();
        join(a, "x");
        long head = get(backend.head());
        MembershipBatchResult again = get(backend.joinSelected(in("/", a), List.of("x"), 10, PREFIX));
        assertThat(again.changes()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void joinSelectedTwiceIsHarmless() {
        String a = createSession();
        MembershipBatchResult first = get(backend.joinSelected(in("/", a), List.of("x", "x"), 10, PREFIX));
        assertThat(first.changes()).containsExactly(new MembershipChange(a, "x", true));
        long head = get(backend.head());
        assertThat(get(backend.joinSelected(in("/", a), List.of("x"), 10, PREFIX))
                        .changes())
                .isEmpty();
        assertThat(get(backend.head())).isEqualTo(head);
        assertThat(get(backend.roomSize("x"))).isEqualTo(1);
    }

    @Test
    void joinSelectedOfAnEmptySelectionAppendsNothing() {
        long head = append("a");
        MembershipBatchResult r = get(backend.joinSelected(in("/", "nowhere"), List.of("x"), 10, PREFIX));
        assertThat(r.changes()).isEmpty();
        assertThat(r.position()).isZero();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void joinSelectedSkipsAndReportsSessionsAtTheRoomLimit() {
        String full = createSession();
        String free = createSession();
        join(full, "a");
        join(full, "b");
        MembershipBatchResult r = get(backend.joinSelected(Selection.all("/", ALL), List.of("x"), 2, PREFIX));
        assertThat(r.changes()).containsExactly(new MembershipChange(free, "x", true));
        assertThat(r.skippedAtLimit()).containsExactly(full);
        assertThat(get(backend.membership(full)).rooms()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void joinSelectedJoinsRoomsInOrderUntilTheLimit() {
        String a = createSession();
        join(a, "first");
        MembershipBatchResult r = get(backend.joinSelected(in("/", a), List.of("first", "x", "y"), 2, PREFIX));
        assertThat(r.changes()).containsExactly(new MembershipChange(a, "x", true));
        assertThat(r.skippedAtLimit()).containsExactly(a);
        assertThat(get(backend.membership(a)).rooms()).containsExactlyInAnyOrder("first", "x");
    }

    @Test
    void joinSelectedMovesTheMembershipVersionOfChangedSessionsOnly() {
        String a = createSession();
        String b = createSession();
        join(b, "x");
        long bVersion = get(backend.membership(b)).version();
        MembershipBatchResult r = get(backend.joinSelected(Selection.all("/", ALL), List.of("x"), 10, PREFIX));
        assertThat(get(backend.membership(a)).version()).isEqualTo(r.position());
        assertThat(get(backend.membership(b)).version()).isEqualTo(bVersion);
    }

    @Test
    void joinSelectedReportsATruncatedSelection() {
        for (int i = 0; i < 5; i++) {
            createSession();
        }
        MembershipBatchResult r = get(backend.joinSelected(Selection.all("/", 2), List.of("x"), 10, PREFIX));
        assertThat(r.truncated()).isTrue();
        assertThat(r.changes()).hasSize(2);
        assertThat(get(backend.roomSize("x"))).isEqualTo(2);
        assertThat(get(backend.joinSelected(Selection.all("/", 5), List.of("y"), 10, PREFIX))
                        .truncated())
                .isFalse();
    }

    @Test
    void joinSelectedByAnotherInstanceIsSeenHere() {
        String a = createSession();
        Backend other = otherInstance();
        get(other.joinSelected(in("/", a), List.of("x"), 10, PREFIX));
        assertThat(get(backend.roomMembers("x"))).containsExactly(a);
    }

    @Test
    void leaveSelectedTakesMembersOutAndAppendsOneEntryListingTheChanges() {
        String a = createSession();
        String b = createSession();
        String c = createSession();
        join(a, "x");
        join(b, "x");
        join(b, "y");
        join(c, "y");
        long before = get(backend.head());
        MembershipBatchResult r = get(backend.leaveSelected(in("/", "x"), List.of("x", "y"), PREFIX));
        assertThat(r.changes())
                .containsExactlyInAnyOrder(
                        new MembershipChange(a, "x", false),
                        new MembershipChange(b, "x", false),
                        new MembershipChange(b, "y", false));
        assertThat(r.skippedAtLimit()).isEmpty();
        assertAppendedOneEntryIfBatched(before, r.position());
        assertThat(changesAfter(before)).containsExactlyInAnyOrderElementsOf(r.changes());
        assertThat(get(backend.roomMembers("x"))).isEmpty();
        assertThat(get(backend.roomSize("x"))).isZero();
        assertThat(get(backend.roomMembers("y"))).containsExactly(c);
        long version = get(backend.membership(b)).version();
        if (batchesAppendOneEntry()) {
            assertThat(version).isEqualTo(r.position());
        } else {
            assertThat(version).isGreaterThan(before).isLessThanOrEqualTo(r.position());
        }
    }

    @Test
    void leaveSelectedOfNonMembersChangesNothingAndAppendsNothing() {
        String a = createSession();
        long head = append("a");
        MembershipBatchResult r = get(backend.leaveSelected(in("/", a), List.of("x"), PREFIX));
        assertThat(r.changes()).isEmpty();
        assertThat(r.position()).isZero();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void batchEntriesKeepRoomKeysAndIdsExactly() {
        String ns = "/ns \"q\" \\ ü";
        String id = createSessionIn(ns);
        String room = key(ns, "room/with \"quotes\", \\ and ü\t");
        long before = get(backend.head());
        get(backend.joinSelected(in(ns, key(ns, id)), List.of(room), 10, PREFIX));
        assertThat(changesAfter(before)).containsExactly(new MembershipChange(id, room, true));
        assertThat(get(backend.roomMembers(room))).containsExactly(id);
        long mid = get(backend.head());
        get(backend.removeSelected(in(ns, room), PREFIX, "server \"namespace\" disconnect"));
        JsonNode body = bodiesAfter(mid).get(0);
        assertThat(body.get("r").asText()).isEqualTo("server \"namespace\" disconnect");
        assertThat(body.get("s").get(0).asText()).isEqualTo(id);
    }

    @Test
    void removeSelectedRemovesEverySelectedSessionAndAppendsOneEntryNamingThem() {
        String a = createSession();
        String b = createSession();
        String stays = createSession();
        join(a, "r");
        join(b, "r");
        join(b, "other");
        join(stays, "other");
        get(backend.putData(a, "k", "1"));
        SessionRecord aRecord = get(backend.findSession(a));
        long before = get(backend.head());
        RemovalBatchResult r = get(backend.removeSelected(in("/", "r"), PREFIX, "server disconnect"));
        assertThat(r.truncated()).isFalse();
        assertThat(r.removed()).extracting(x -> x.session().id()).containsExactlyInAnyOrder(a, b);
        RemovedSession ra = r.removed().stream()
                .filter(x -> x.session().id().equals(a))
                .findFirst()
                .orElseThrow();
        assertThat(ra.session()).isEqualTo(aRecord);
        assertThat(ra.rooms()).containsExactly("r");
        assertThat(ra.data()).isEqualTo(Map.of("k", "1"));
        assertThat(r.removed()).allSatisfy(x -> assertThat(x.position()).isLessThanOrEqualTo(r.position()));
        assertAppendedOneEntryIfBatched(before, r.position());
        List<String> named = new ArrayList<>();
        for (JsonNode body : bodiesAfter(before)) {
            assertThat(body.get("r").asText()).isEqualTo("server disconnect");
            body.get("s").forEach(n -> named.add(n.asText()));
        }
        assertThat(named).containsExactlyInAnyOrder(a, b);
        assertThat(get(backend.findSession(a))).isNull();
        assertThat(get(backend.findSession(b))).isNull();
        assertThat(get(backend.roomMembers("r"))).isEmpty();
        assertThat(get(backend.roomMembers("other"))).containsExactly(stays);
        assertThat(get(backend.getAllData(a))).isEmpty();
        assertThat(get(backend.sessionCount())).isEqualTo(1);
        assertThat(get(backend.expiredSessions(Long.MAX_VALUE, 10))).containsExactly(stays);
        assertThat(get(backend.selectSessions(Selection.all("/", ALL)))).containsExactly(stays);
    }

    @Test
    void removeSelectedOfNothingAppendsNothing() {
        String a = createSession();
        get(backend.removeSelected(in("/", a), PREFIX, "bye"));
        long head = get(backend.head());
        RemovalBatchResult again = get(backend.removeSelected(in("/", a), PREFIX, "bye"));
        assertThat(again.removed()).isEmpty();
        assertThat(again.position()).isZero();
        assertThat(get(backend.head())).isEqualTo(head);
    }

    @Test
    void removeSelectedOfATruncatedSelectionRemovesTheRestWhenCalledAgain() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(createSession());
        }
        RemovalBatchResult first = get(backend.removeSelected(Selection.all("/", 3), PREFIX, "bye"));
        assertThat(first.truncated()).isTrue();
        assertThat(first.removed()).hasSize(3);
        RemovalBatchResult second = get(backend.removeSelected(Selection.all("/", 3), PREFIX, "bye"));
        assertThat(second.truncated()).isFalse();
        List<String> removed = new ArrayList<>();
        first.removed().forEach(x -> removed.add(x.session().id()));
        second.removed().forEach(x -> removed.add(x.session().id()));
        assertThat(removed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(backend.sessionCount())).isZero();
    }

    @Test
    void aRemovedIdCanBeCreatedAgainAfterRemoveSelected() {
        String id = createSession();
        join(id, "r");
        get(backend.removeSelected(in("/", id), PREFIX, "bye"));
        get(backend.createSession(record(id), System.currentTimeMillis() + 60_000));
        assertThat(get(backend.membership(id)).rooms()).isEmpty();
        assertThat(get(backend.selectSessions(Selection.all("/", ALL)))).containsExactly(id);
    }

    @Test
    void concurrentRemoveSelectedReportsEachSessionToExactlyOneCaller() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = createSession();
            join(id, "r");
            ids.add(id);
        }
        Backend other = instancesShareTheStore() ? otherInstance() : backend;
        AtomicInteger turn = new AtomicInteger();
        List<RemovalBatchResult> results = race(8, () -> {
            int t = turn.getAndIncrement();
            Backend b = t % 2 == 0 ? backend : other;
            if (t % 4 == 3) {
                // single removals race the batches too: still once per session
                List<RemovedSession> single = new ArrayList<>();
                for (String id : ids) {
                    RemovedSession rs = get(b.removeSession(id, bytes("bye")));
                    if (rs != null) {
                        single.add(rs);
                    }
                }
                return new RemovalBatchResult(single, 0, false);
            }
            return get(b.removeSelected(in("/", "r"), PREFIX, "bye"));
        });
        List<String> removed = new ArrayList<>();
        results.forEach(r -> r.removed().forEach(x -> removed.add(x.session().id())));
        assertThat(removed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(get(backend.sessionCount())).isZero();
    }

    @Test
    void concurrentJoinSelectedNeverExceedsTheRoomLimit() throws Exception {
        String a = createSession();
        Backend other = instancesShareTheStore() ? otherInstance() : backend;
        AtomicInteger turn = new AtomicInteger();
        race(8, () -> {
            int t = turn.getAndIncrement();
            Backend b = t % 2 == 0 ? backend : other;
            return get(b.joinSelected(in("/", a), List.of("r" + t, "s" + t), 5, PREFIX));
        });
        assertThat(get(backend.membership(a)).rooms()).hasSize(5);
    }

    @Test
    void closeIsIdempotent() {
        Backend b = started(MAX_LOG_ENTRIES);
        b.close();
        b.close();
    }

    @Test
    void closeStopsSubscriptions() {
        Backend b = started(MAX_LOG_ENTRIES);
        Recorder rec = new Recorder();
        b.subscribe(get(b.head()), rec);
        b.close();
        // a closed backend may refuse appends: write through another instance when there is one
        Backend writer = instancesShareTheStore() ? backend : b;
        long appended = get(writer.append(bytes("after close")));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !rec.positions()
                .contains(appended));
    }

    @Test
    void stateIsVisibleAcrossInstancesOfOneStore() {
        Backend other = otherInstance();
        String id = createSession();
        get(other.join(id, "r", 10, bytes("j")));
        assertThat(get(backend.roomMembers("r"))).containsExactly(id);
        assertThat(get(backend.membership(id)).rooms()).containsExactly("r");
        assertThat(Set.copyOf(get(other.roomMembers("r")))).containsExactly(id);
    }
}
