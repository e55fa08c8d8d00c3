package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.LogSubscription;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.Selection;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher applies the batch entries the backend writes ({@code joinSelected}, {@code
 * leaveSelected}, {@code removeSelected}) exactly like the equivalent Join, Leave and Disconnect
 * entries at their position: live, and in the replay of a client that resumes from before them.
 */
class DispatcherBatchEntriesTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final InMemoryBackend backend = new InMemoryBackend();
    private final List<String> ended = new CopyOnWriteArrayList<>();
    private Dispatcher dispatcher;
    private LogSubscription subscription;

    @BeforeEach
    void start() throws Exception {
        backend.start(1_000).toCompletableFuture().get();
        dispatcher = new Dispatcher(
                backend,
                new Dispatcher.Host() {
                    @Override
                    public void onAckReply(LogEntry.AckReply reply) {}

                    @Override
                    public void onSessionEnded(String sessionId) {
                        ended.add(sessionId);
                    }

                    @Override
                    public void onAvailability(boolean available) {}

                    @Override
                    public long recoveryMaxAgeMillis() {
                        return 3_600_000;
                    }
                },
                1_024,
                0);
        subscription = backend.subscribe(0, dispatcher);
    }

    @AfterEach
    void stop() {
        subscription.close();
        dispatcher.shutdown();
        backend.close();
    }

    /** Records the JSON of every frame a client would get. */
    private static final class Client implements Dispatcher.Target {
        final List<String> frames = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public void open(String publicId) {}

        @Override
        public boolean send(Frame frame) {
            frames.add(StandardCharsets.UTF_8.decode(frame.json()).toString());
            return true;
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void close(@Nullable Frame last) {
            if (last != null) {
                send(last);
            }
            closed = true;
        }
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String session(String id) {
        get(backend.createSession(
                new SessionRecord(id, "h", "/", 1, 0, 0, Map.of()), System.currentTimeMillis() + 60_000));
        return id;
    }

    private long toRoom(String room, String text) {
        return get(backend.append(EntryCodec.encode(new LogEntry.Message(
                System.currentTimeMillis(),
                "/",
                LogEntry.TargetType.ROOMS,
                List.of(room),
                List.of(),
                List.of(),
                false,
                ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8)))));
    }

    private long toSession(String id, String text) {
        return get(backend.append(EntryCodec.encode(new LogEntry.Message(
                System.currentTimeMillis(),
                "/",
                LogEntry.TargetType.SESSION,
                List.of(id),
                List.of(),
                List.of(),
                false,
                ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8)))));
    }

    private long joinAll(List<String> ids, String... rooms) {
        return get(backend.joinSelected(
                        Selection.rooms("/", ids, 100),
                        List.of(rooms),
                        10,
                        EntryCodec.membershipBatchPrefix(System.currentTimeMillis())))
                .position();
    }

    private long leaveAll(List<String> ids, String... rooms) {
        return get(backend.leaveSelected(
                        Selection.rooms("/", ids, 100),
                        List.of(rooms),
                        EntryCodec.membershipBatchPrefix(System.currentTimeMillis())))
                .position();
    }

    /** Attaches with the session's current record and membership snapshot. */
    private Client attach(String id, long after) {
        return attach(get(backend.findSession(id)), get(backend.membership(id)), after);
    }

    private Client attach(SessionRecord record, MembershipSnapshot snapshot, long after) {
        Client client = new Client();
        CompletableFuture<Boolean> attached = new CompletableFuture<>();
        dispatcher.attach(new Dispatcher.AttachRequest(
                record,
                io.socketserve.spi.LogPosition.of(after),
                snapshot,
                client,
                true,
                io.socketserve.spi.LogPosition.of(0),
                System.currentTimeMillis() + 5_000,
                attached));
        get(attached);
        return client;
    }

    private void awaitAttached(String id) {
        await().atMost(WAIT).until(() -> get(dispatcher.attachedIds()).contains(id));
    }

    @Test
    void aLiveBatchJoinAndLeaveChangeWhatTheSessionReceivesAtTheirPosition() {
        String a = session("a");
        String b = session("b");
        Client ca = attach(a, get(backend.head()));
        awaitAttached(a);

        joinAll(List.of(a, b), "r", "q");
        toRoom("r", "in r");
        toRoom("q", "in q");
        leaveAll(List.of(a), "r");
        toRoom("r", "after leaving r");
        toSession(a, "marker");

        await().atMost(WAIT).until(() -> ca.frames.contains("\"marker\""));
        assertThat(ca.frames).containsExactly("\"in r\"", "\"in q\"", "\"marker\"");
    }

    @Test
    void aReplayFromBeforeABatchJoinStartsTheMembershipAtTheBatchPosition() {
        String a = session("a");
        session("b");
        long start = get(backend.head());
        toRoom("r", "before joining");
        joinAll(List.of("a", "b"), "r");
        toRoom("r", "after joining");

        Client ca = attach(a, start);
        await().atMost(WAIT).until(() -> ca.frames.contains("\"after joining\""));
        assertThat(ca.frames).containsExactly("\"after joining\"");
    }

    @Test
    void aReplayRollsTheSnapshotBackOverBatchEntriesAfterTheClientsPosition() {
        String a = session("a");
        String b = session("b");
        long joined = joinAll(List.of(a, b), "r", "q");
        toRoom("r", "while in r");
        leaveAll(List.of(a, b), "r");
        toRoom("r", "after leaving r");
        toRoom("q", "still in q");
        // snapshot: rooms {q} as of the leave; the client saw everything up to the join
        Client ca = attach(a, joined);
        await().atMost(WAIT).until(() -> ca.frames.contains("\"still in q\""));
        assertThat(ca.frames).containsExactly("\"while in r\"", "\"still in q\"");
    }

    @Test
    void aRemovalBatchClosesEveryNamedStreamHereAndEndsTheSessions() {
        String a = session("a");
        String b = session("b");
        String c = session("c");
        long head = get(backend.head());
        Client ca = attach(a, head);
        Client cb = attach(b, head);
        Client cc = attach(c, head);
        awaitAttached(a);
        awaitAttached(b);
        awaitAttached(c);

        get(backend.removeSelected(
                Selection.rooms("/", List.of(a, b), 100),
                EntryCodec.disconnectBatchPrefix(System.currentTimeMillis()),
                "server disconnect"));

        await().atMost(WAIT).until(() -> ca.closed && cb.closed);
        assertThat(ca.frames).singleElement().asString().contains("__disconnect", "server disconnect");
        assertThat(cb.frames).singleElement().asString().contains("__disconnect", "server disconnect");
        assertThat(ended).containsExactlyInAnyOrder(a, b);
        assertThat(cc.closed).isFalse();
    }

    @Test
    void aReplayThatReachesARemovalBatchEndsWithTheDisconnect() {
        String a = session("a");
        SessionRecord record = get(backend.findSession(a));
        MembershipSnapshot snapshot = get(backend.membership(a));
        long start = get(backend.head());
        toSession(a, "last words");
        get(backend.removeSelected(
                Selection.rooms("/", List.of(a), 100),
                EntryCodec.disconnectBatchPrefix(System.currentTimeMillis()),
                "server disconnect"));

        Client ca = attach(record, snapshot, start);
        await().atMost(WAIT).until(() -> ca.closed);
        assertThat(ca.frames).hasSize(2);
        assertThat(ca.frames.get(0)).isEqualTo("\"last words\"");
        assertThat(ca.frames.get(1)).contains("__disconnect", "server disconnect");
    }
}
