package io.socketserve.internal;

import io.socketserve.internal.RecentLog.Positioned;
import io.socketserve.spi.Backend;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogPosition;
import io.socketserve.spi.LogRecord;
import io.socketserve.spi.LogSlice;
import io.socketserve.spi.MembershipChange;
import io.socketserve.spi.MembershipSnapshot;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the log to this instance's attached clients. One thread owns all delivery state — which
 * sessions are attached here, the local room index, the recent entries — so that live delivery,
 * membership changes and replay for a resuming client happen in exactly log order without locks.
 *
 * <h2>Live delivery</h2>
 *
 * <p>For each message entry the recipients are looked up in the local index (room → attached
 * sessions), the frame is built once and the same {@link Frame} goes to every recipient.
 *
 * <h2>Attach (resume, first stream, poll)</h2>
 *
 * <p>Runs on the dispatcher thread once it has processed at least up to both the client's position
 * {@code L} and the version {@code v} of the membership snapshot read from the backend. The
 * session's rooms at {@code L} are the snapshot rolled back over its own membership entries in
 * {@code (L, v]}; a single forward pass over {@code (L, processed]} then replays exactly the
 * messages the session should have had at each position. Installing the attachment at {@code
 * processed} on this same thread leaves no window in which a message could be missed or doubled.
 */
final class Dispatcher implements LogListener {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final int READ_CHUNK = 2048;
    private static final long PUMP_INTERVAL_MILLIS = 5;
    /** A replaying client whose buffer stays full without draining for this long is cut off. */
    private static final long REPLAY_STALL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private static final java.util.concurrent.ScheduledExecutorService pumpTimer =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "socket-serve-replay-pump");
                t.setDaemon(true);
                return t;
            });

    /** Where an attached client's frames go. Called only on the dispatcher thread. */
    interface Target {
        /** Starts the output (a stream's head and {@code connected} frame); no-op for polls. */
        void open(String publicId);

        /** @return {@code false} when the target can take nothing more and must be detached */
        boolean send(Frame frame);

        /** Whether a volatile frame would be accepted now (below the high-water mark). */
        boolean writable();

        /** Ends the output, writing {@code last} first if given. */
        void close(@Nullable Frame last);

        /**
         * Called after the replay of an attach, with the position it reached.
         *
         * @return whether to stay attached for live delivery
         */
        default boolean replayed(LogPosition position) {
            return true;
        }

        /** Bytes handed over but not yet written to the client (0 when unknown). */
        default long bufferedBytes() {
            return 0;
        }

        /** Above this many buffered bytes a replay waits for the client to read. */
        default long bufferBudget() {
            return Long.MAX_VALUE;
        }

        /** Another attach of the same session on this instance took over. */
        default void replaced() {
            close(Frames.disconnect("replaced"));
        }
    }

    /** What an attach request asks for. */
    record AttachRequest(
            SessionRecord session,
            LogPosition after,
            MembershipSnapshot snapshot,
            Target target,
            boolean install,
            LogPosition catchUpTo,
            long deadlineMillis,
            CompletableFuture<Boolean> result) {}

    /** What the dispatcher reports while it reads the log (implemented by {@link DeliveryEvents}). */
    interface Host {
        void onAckReply(LogEntry.AckReply reply);

        void onSessionEnded(String sessionId);

        /** The backend became unreachable or reachable again. */
        void onAvailability(boolean available);

        long recoveryMaxAgeMillis();

        /** A message frame was replayed from history (metrics). */
        default void onReplayed() {}

        /** A {@code __missed} notice was sent (metrics). */
        default void onMissedSent() {}

        /** A replaying client that did not read was cut off (metrics, log). */
        default void onSlowClientCut(String namespace, String sessionId) {}

        /** Entries were trimmed before this instance read them: whatever they said is unknown. */
        default void onGap() {}
    }

    private static final class Attachment {
        final String sid;
        final String namespace;
        final Target target;
        final Set<String> rooms;

        Attachment(String sid, String namespace, Target target, Set<String> rooms) {
            this.sid = sid;
            this.namespace = namespace;
            this.target = target;
            this.rooms = rooms;
        }
    }

    private final ExecutorService loop;
    private final Backend backend;
    private final Host host;
    private final RecentLog recent;
    private final Map<String, Attachment> attached = new HashMap<>();
    private final Map<String, Set<Attachment>> roomIndex = new HashMap<>();
    private final List<PendingAttach> parked = new ArrayList<>();
    /** Per partition, the replay read from the backend that others may wait for, or null. */
    private final SharedRead[] reading;

    private final List<Consumer<LogPosition>> afterBatch = new ArrayList<>();
    /** The number of partitions of the log; every position here has one component per partition. */
    private final int partitions;
    /** Per partition, the last position processed (issue 15: a vector; one component for one partition). */
    private final long[] processed;

    private volatile LogPosition processedVolatile;
    /** When the reader last showed progress (epoch ms); written by the dispatcher thread once running. */
    private volatile long progressMillis = System.currentTimeMillis();
    /** A {@link #confirmCaughtUp} task is queued: a stuck thread does not collect one per probe. */
    private final java.util.concurrent.atomic.AtomicBoolean confirmQueued =
            new java.util.concurrent.atomic.AtomicBoolean();

    Dispatcher(Backend backend, Host host, int recentCapacity, long startPosition) {
        this(backend, host, recentCapacity, Long.MAX_VALUE, Long.MAX_VALUE, startPosition);
    }

    /**
     * A dispatcher whose recent entries (kept decoded here for replays) are bounded by {@code
     * recentCapacity} entries, {@code recentMaxBytes} (encoded lengths) and {@code
     * recentMaxAgeMillis}; replays from older positions read the backend.
     */
    Dispatcher(
            Backend backend,
            Host host,
            int recentCapacity,
            long recentMaxBytes,
            long recentMaxAgeMillis,
            long startPosition) {
        this(backend, host, recentCapacity, recentMaxBytes, recentMaxAgeMillis, LogPosition.of(startPosition));
    }

    /** A dispatcher of a log with {@code startPosition.partitions()} partitions, starting after it. */
    Dispatcher(
            Backend backend,
            Host host,
            int recentCapacity,
            long recentMaxBytes,
            long recentMaxAgeMillis,
            LogPosition startPosition) {
        this.backend = backend;
        this.host = host;
        this.partitions = startPosition.partitions();
        this.recent = new RecentLog(recentCapacity, recentMaxBytes, recentMaxAgeMillis, startPosition.toArray());
        this.reading = new SharedRead[partitions];
        this.processed = startPosition.toArray();
        this.processedVolatile = startPosition;
        this.loop = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "socket-serve-dispatcher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs a task on the dispatcher thread. */
    void execute(Runnable task) {
        post(task);
    }

    /**
     * Queues a task for the dispatcher thread. After {@link #shutdown} there is nothing left for a
     * task to do ({@link #closeAll} has closed every local stream, and a target closed by it asks
     * to be detached from a dispatcher that is going away): such a task is dropped, not thrown at
     * the caller (issue 11: a RejectedExecutionException stack trace on every shutdown with
     * polling clients).
     */
    private void post(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            if (!loop.isShutdown()) {
                throw e;
            }
            log.debug("dispatcher stopped; dropping a late task");
        }
    }

    /** The bytes and count of recent entries kept, as their bounds count them (tests; waits for the thread). */
    long[] recentRetained() {
        CompletableFuture<long[]> f = new CompletableFuture<>();
        post(() -> f.complete(new long[] {recent.bytes(), recent.size(), recent.floor()}));
        return f.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    /** Entries handed over by the reader but not yet processed, in bytes (any thread). */
    long queuedBytes() {
        synchronized (pendingLock) {
            return pendingBytes;
        }
    }

    /** Rooms with a member attached here (any thread; a racy read of a size, may lag slightly). */
    long localRooms() {
        return roomIndex.size();
    }

    /** The last position processed, per partition (any thread; may lag slightly). */
    LogPosition processedPosition() {
        return processedVolatile;
    }

    /**
     * When the reader last showed progress (any thread): processed new entries, skipped a gap, or
     * was found caught up by {@link #confirmCaughtUp}. Set on the dispatcher thread, so a stuck
     * thread shows none.
     */
    long lastProgressMillis() {
        return progressMillis;
    }

    /**
     * Records progress if everything up to {@code head} (a log head just read from the backend) has
     * been processed: an idle reader that is up to date is not stalled. Runs on the dispatcher thread;
     * dropped while an earlier call still waits for it.
     */
    void confirmCaughtUp(LogPosition head) {
        if (!confirmQueued.compareAndSet(false, true)) {
            return;
        }
        post(() -> {
            confirmQueued.set(false);
            if (covers(processed, head.toArray())) { // a stall in any partition is a stall
                progressMillis = System.currentTimeMillis();
            }
        });
    }

    /** Stops the thread after the tasks already queued (such as {@link #closeAll}) have run. */
    void shutdown() {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------- log listener

    @Override
    public void onRecords(List<LogRecord> records) {
        long bytes = 0;
        for (LogRecord r : records) {
            bytes += r.entry().length;
        }
        if (!awaitRoom(bytes)) {
            return; // the reader was interrupted: its subscription is closing
        }
        long taken = bytes;
        try {
            post(() -> {
                try {
                    process(records);
                } finally {
                    release(taken);
                }
            });
        } catch (RuntimeException e) {
            release(taken);
            throw e;
        }
    }

    // ------------------------------------------------------------------- demand-driven reading

    /** Entries handed over but not yet processed, by bytes and batches: bounded (issue 13). */
    private final Object pendingLock = new Object();

    private long pendingBytes;
    private int pendingBatches;
    private boolean readersReleased;
    private long maxPendingBytes = 16L << 20;
    private int maxPendingBatches = 64;

    /** Sets the bounds (tests). */
    void limitPending(long bytes, int batches) {
        synchronized (pendingLock) {
            maxPendingBytes = bytes;
            maxPendingBatches = batches;
        }
    }

    /**
     * Blocks the reader's thread while the dispatcher has more than the bounds waiting, so a reader
     * fetches its next batch only when there is room: a lagging dispatcher holds the entries in the
     * store, not in this heap. One batch always fits, whatever its size.
     *
     * @return {@code false} if the thread was interrupted while waiting
     */
    private boolean awaitRoom(long bytes) {
        synchronized (pendingLock) {
            while (pendingBatches > 0
                    && (pendingBatches >= maxPendingBatches || pendingBytes + bytes > maxPendingBytes)
                    && !readersReleased
                    && !loop.isShutdown()) {
                try {
                    pendingLock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            pendingBytes += bytes;
            pendingBatches++;
            return true;
        }
    }

    /**
     * Lets every reader waiting for room go on, now and from now on: called before the subscription
     * is closed, so that closing it (which waits for the listener call in progress) cannot wait on a
     * dispatcher that is stuck.
     */
    void releaseReaders() {
        synchronized (pendingLock) {
            readersReleased = true;
            pendingLock.notifyAll();
        }
    }

    private void release(long bytes) {
        synchronized (pendingLock) {
            pendingBytes -= bytes;
            pendingBatches--;
            pendingLock.notifyAll();
        }
    }

    @Override
    public void onGap(long afterPosition, long oldestPosition) {
        onGap(0, afterPosition, oldestPosition);
    }

    /**
     * A gap in one partition: every local stream is closed (its clients resume and are told what
     * they missed, per partition), and that partition's recent entries are forgotten.
     */
    @Override
    public void onGap(int partition, long afterPosition, long oldestPosition) {
        host.onGap();
        post(() -> {
            if (partitions == 1) {
                log.warn(
                        "log entries {}..{} were trimmed before this instance read them; "
                                + "closing local streams so that clients resume",
                        afterPosition + 1,
                        oldestPosition - 1);
            } else {
                log.warn(
                        "log entries {}..{} of partition {} were trimmed before this instance read them; "
                                + "closing local streams so that clients resume",
                        afterPosition + 1,
                        oldestPosition - 1,
                        partition);
            }
            for (Attachment a : new ArrayList<>(attached.values())) {
                detach(a);
                a.target.close(null);
            }
            processed[partition] = Math.max(processed[partition], oldestPosition - 1);
            processedVolatile = LogPosition.of(processed);
            progressMillis = System.currentTimeMillis();
            recent.reset(partition, processed[partition]);
        });
    }

    /** Whether {@code a} is at or past {@code b} in every partition. */
    private static boolean covers(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] < b[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void onAvailability(boolean available) {
        host.onAvailability(available);
    }

    @Override
    public void onVolatile(byte[] bytes) {
        LogEntry entry;
        try {
            entry = EntryCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            log.error("skipping undecodable volatile entry", e);
            return;
        }
        if (entry instanceof LogEntry.Message m) {
            post(() -> {
                deliverLive(Frame.NO_POSITION, m);
                runAfterBatch();
            });
        }
    }

    private void process(List<LogRecord> records) {
        boolean moved = false;
        long now = System.currentTimeMillis();
        for (LogRecord record : records) {
            int partition = record.partition();
            if (partition < 0 || partition >= partitions) {
                log.error("skipping a log record of partition {}: the log has {}", partition, partitions);
                continue;
            }
            long p = record.position();
            if (p <= processed[partition]) {
                continue; // redelivered after a resubscribe
            }
            LogEntry entry;
            try {
                entry = EntryCodec.decode(record.entry());
            } catch (IllegalArgumentException e) {
                log.error("skipping undecodable log entry at {}", p, e);
                processed[partition] = p;
                moved = true;
                continue;
            }
            recent.add(partition, p, entry, record.entry().length, now);
            processed[partition] = p;
            moved = true;
            apply(p, entry);
        }
        if (moved) {
            processedVolatile = LogPosition.of(processed);
        }
        if (moved) {
            progressMillis = System.currentTimeMillis();
        }
        runAfterBatch();
        if (!parked.isEmpty()) {
            List<PendingAttach> retry = new ArrayList<>(parked);
            parked.clear();
            for (PendingAttach pa : retry) {
                runAttach(pa);
            }
        }
    }

    private void runAfterBatch() {
        if (!afterBatch.isEmpty()) {
            List<Consumer<LogPosition>> run = new ArrayList<>(afterBatch);
            afterBatch.clear();
            LogPosition at = LogPosition.of(processed);
            for (Consumer<LogPosition> c : run) {
                c.accept(at);
            }
        }
    }

    private void apply(long position, LogEntry entry) {
        if (entry instanceof LogEntry.Message m) {
            deliverLive(position, m);
        } else if (entry instanceof LogEntry.Join j) {
            applyJoin(j.session(), j.room());
        } else if (entry instanceof LogEntry.Leave l) {
            applyLeave(l.session(), l.room());
        } else if (entry instanceof LogEntry.MembershipBatch b) {
            // exactly the Join/Leave entries it lists, in order, at this position
            for (MembershipChange c : b.changes()) {
                if (c.joined()) {
                    applyJoin(c.session(), c.room());
                } else {
                    applyLeave(c.session(), c.room());
                }
            }
        } else if (entry instanceof LogEntry.Disconnect d) {
            applyDisconnect(d.session(), d.reason());
        } else if (entry instanceof LogEntry.DisconnectBatch b) {
            for (String session : b.sessions()) {
                applyDisconnect(session, b.reason());
            }
        } else if (entry instanceof LogEntry.AckReply r) {
            host.onAckReply(r);
        }
    }

    private void applyJoin(String session, String room) {
        Attachment a = attached.get(session);
        if (a != null && a.rooms.add(room)) {
            roomIndex.computeIfAbsent(room, r -> new HashSet<>()).add(a);
        }
    }

    private void applyLeave(String session, String room) {
        Attachment a = attached.get(session);
        if (a != null && a.rooms.remove(room)) {
            unindex(a, room);
        }
    }

    private void applyDisconnect(String session, String reason) {
        Attachment a = attached.get(session);
        if (a != null) {
            detach(a);
            a.target.close(Frames.disconnect(reason));
        }
        host.onSessionEnded(session);
    }

    private void deliverLive(long position, LogEntry.Message m) {
        Frame frame = null;
        switch (m.type()) {
            case SESSION -> {
                Attachment a = attached.get(m.targets().get(0));
                if (a != null && a.namespace.equals(m.namespace())) {
                    send(a, liveFrame(position, m.frame()), m.isVolatile());
                }
            }
            case ROOMS -> {
                if (m.targets().size() == 1) {
                    String room = m.targets().get(0);
                    Set<Attachment> members = roomIndex.get(room);
                    Attachment self = socketRoom(room, m.namespace());
                    if (members == null) {
                        // Every socket's public id is a room of its own (server.to(socketId)).
                        if (self != null && !excluded(self, m)) {
                            send(self, liveFrame(position, m.frame()), m.isVolatile());
                        }
                        return;
                    }
                    if (self != null && !members.contains(self) && !excluded(self, m)) {
                        frame = liveFrame(position, m.frame());
                        send(self, frame, m.isVolatile());
                    }
                    for (Attachment a : members.toArray(new Attachment[0])) {
                        if (!excluded(a, m)) {
                            if (frame == null) {
                                frame = liveFrame(position, m.frame());
                            }
                            send(a, frame, m.isVolatile());
                        }
                    }
                } else {
                    Set<Attachment> seen = new HashSet<>();
                    for (String room : m.targets()) {
                        Attachment self = socketRoom(room, m.namespace());
                        if (self != null && seen.add(self) && !excluded(self, m)) {
                            if (frame == null) {
                                frame = liveFrame(position, m.frame());
                            }
                            send(self, frame, m.isVolatile());
                        }
                        Set<Attachment> members = roomIndex.get(room);
                        if (members == null) {
                            continue;
                        }
                        for (Attachment a : members.toArray(new Attachment[0])) {
                            if (seen.add(a) && !excluded(a, m)) {
                                if (frame == null) {
                                    frame = liveFrame(position, m.frame());
                                }
                                send(a, frame, m.isVolatile());
                            }
                        }
                    }
                }
            }
            case ALL -> {
                for (Attachment a : attached.values().toArray(new Attachment[0])) {
                    if (a.namespace.equals(m.namespace()) && !excluded(a, m)) {
                        if (frame == null) {
                            frame = liveFrame(position, m.frame());
                        }
                        send(a, frame, m.isVolatile());
                    }
                }
            }
        }
    }

    /**
     * The frame of a live message processed at {@code position} of its partition: its id is the
     * position for one partition (as before partitions), else the processed vector, the same for every
     * recipient, so the frame is still built once.
     */
    private Frame liveFrame(long position, byte[] json) {
        if (partitions == 1 || position == Frame.NO_POSITION) {
            return Frame.of(position, json);
        }
        return Frame.of(LogPosition.of(processed).encode(), json);
    }

    /**
     * The session attached here whose public id is the room part of {@code roomKey} in {@code
     * namespace}, if any: every socket is implicitly a member of the room named by its id.
     */
    private @Nullable Attachment socketRoom(String roomKey, String namespace) {
        String id = io.socketserve.spi.Selection.idOf(namespace, roomKey);
        if (id == null) {
            return null;
        }
        Attachment a = attached.get(id);
        return a != null && a.namespace.equals(namespace) ? a : null;
    }

    private static boolean excluded(Attachment a, LogEntry.Message m) {
        if (!m.exceptSessions().isEmpty() && m.exceptSessions().contains(a.sid)) {
            return true;
        }
        for (String room : m.exceptRooms()) {
            if (a.rooms.contains(room) || a.sid.equals(io.socketserve.spi.Selection.idOf(a.namespace, room))) {
                return true;
            }
        }
        return false;
    }

    private void send(Attachment a, Frame frame, boolean isVolatile) {
        if (isVolatile && !a.target.writable()) {
            return; // volatile: dropped for a client that is not ready
        }
        if (!a.target.send(frame)) {
            detach(a);
        }
    }

    private void detach(Attachment a) {
        if (attached.get(a.sid) == a) {
            attached.remove(a.sid);
            for (String room : a.rooms) {
                unindex(a, room);
            }
        }
    }

    private void unindex(Attachment a, String room) {
        Set<Attachment> members = roomIndex.get(room);
        if (members != null && members.remove(a) && members.isEmpty()) {
            roomIndex.remove(room);
        }
    }

    /** Detaches the target if it is still the session's attachment here (any thread). */
    void detach(String sid, Target target) {
        Runnable task = () -> {
            Attachment a = attached.get(sid);
            if (a != null && a.target == target) {
                detach(a);
            }
            Replay replay = replaying.get(sid);
            if (replay != null && replay.request.target() == target) {
                replay.cancelled = true;
                replaying.remove(sid);
            }
        };
        // Always queued, even on the dispatcher thread: the caller may be iterating a room's members.
        post(task);
    }

    /** Runs {@code action} on the dispatcher thread right after the batch being processed. */
    void afterCurrentBatch(Consumer<LogPosition> action) {
        afterBatch.add(action);
    }

    /** Ids of the sessions attached here (any thread; a snapshot taken on the dispatcher). */
    CompletionStage<List<String>> attachedIds() {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        post(() -> {
            List<String> ids = new ArrayList<>(attached.keySet());
            ids.addAll(replaying.keySet());
            f.complete(ids);
        });
        return f;
    }

    // ------------------------------------------------------------------------------------- attach

    /** Attach state carried across the asynchronous backend reads it may need. */
    private static final class PendingAttach {
        final AttachRequest request;
        final List<Positioned> prefix = new ArrayList<>();
        final long[] covered; // per partition, prefix covers (request.after, covered]
        final long[] trimmedOldest; // per partition, set when entries after `after` were no longer in the backend

        PendingAttach(AttachRequest request) {
            this.request = request;
            this.covered = request.after().toArray();
            this.trimmedOldest = new long[covered.length];
            java.util.Arrays.fill(trimmedOldest, -1);
        }
    }

    /**
     * A read of a partition's entries in {@code (after, upTo]} from the backend for a replay, whose
     * entries go into the recent entries when it lands ({@link RecentLog#prepend}), and the attaches
     * that need no older entries than it reads: they wait for it instead of reading the same range
     * again (a resume storm on a fresh instance: thousands of clients from nearby positions).
     */
    private static final class SharedRead {
        final long after;
        final long upTo;
        final List<PendingAttach> waiting = new ArrayList<>();

        SharedRead(long after, long upTo) {
            this.after = after;
            this.upTo = upTo;
        }
    }

    /** Attaches (any thread). The request's future completes when done, {@code false} if the session ended. */
    void attach(AttachRequest request) {
        post(() -> runAttach(new PendingAttach(request)));
    }

    private void runAttach(PendingAttach pa) {
        AttachRequest r = pa.request;
        long[] need = r.snapshot().at().max(r.after()).max(r.catchUpTo()).toArray();
        if (!covers(processed, need)) {
            if (System.currentTimeMillis() > r.deadlineMillis()) {
                r.result()
                        .completeExceptionally(
                                !covers(processed, r.after().toArray())
                                        ? ProtocolException.badRequest(
                                                "invalid_last_event_id", "position " + r.after() + " is beyond the log")
                                        : new ProtocolException(
                                                503, "unavailable", "the log is not readable right now"));
            } else {
                parked.add(pa);
            }
            return;
        }
        for (int p = 0; p < partitions; p++) {
            if (pa.covered[p] >= recent.floor(p)) {
                continue;
            }
            // this partition's entries before the recent ones: read them from the backend first,
            // unless a read in flight already covers them (then they will be here when it lands)
            int partition = p;
            long upTo = recent.floor(p);
            SharedRead shared = reading[p];
            if (shared != null && shared.upTo == upTo && shared.after <= pa.covered[p]) {
                shared.waiting.add(pa);
                return;
            }
            SharedRead mine = shared == null && recent.hasRoom() ? new SharedRead(pa.covered[p], upTo) : null;
            if (mine != null) {
                reading[p] = mine;
            }
            readRange(partition, pa.covered[p], upTo)
                    .whenComplete((slice, error) -> post(() -> {
                        List<PendingAttach> waiting = List.of();
                        if (mine != null && reading[partition] == mine) {
                            reading[partition] = null;
                            waiting = mine.waiting;
                        }
                        if (error != null) {
                            r.result().completeExceptionally(error);
                        } else {
                            if (mine != null) {
                                recent.prepend(partition, slice.entries, slice.sizes, upTo, System.currentTimeMillis());
                            }
                            if (pa.trimmedOldest[partition] < 0 && slice.oldest > pa.covered[partition] + 1) {
                                pa.trimmedOldest[partition] = slice.oldest;
                            }
                            pa.prefix.addAll(slice.entries);
                            pa.covered[partition] = Math.max(upTo, pa.covered[partition]);
                            runAttach(pa);
                        }
                        // covered by the recent entries now, or (a failure, no room) reading on their own
                        for (PendingAttach w : waiting) {
                            runAttach(w);
                        }
                    }));
            return;
        }
        List<Positioned> range = new ArrayList<>(pa.prefix);
        range.addAll(recent.after(pa.covered));
        replayAndInstall(pa, range);
    }

    private void replayAndInstall(PendingAttach pa, List<Positioned> range) {
        AttachRequest r = pa.request;
        String sid = r.session().id();
        LogPosition version = r.snapshot().at();

        // Rooms at position `after`: the snapshot rolled back over this session's changes in (after, v].
        // Per partition: a room's membership changes only in the room's own partition.
        Set<String> rooms = new HashSet<>(r.snapshot().rooms());
        for (int i = range.size() - 1; i >= 0; i--) {
            Positioned e = range.get(i);
            if (e.position() > version.get(e.partition())) {
                continue;
            }
            if (e.entry() instanceof LogEntry.Join j && j.session().equals(sid)) {
                rooms.remove(j.room());
            } else if (e.entry() instanceof LogEntry.Leave l && l.session().equals(sid)) {
                rooms.add(l.room());
            } else if (e.entry() instanceof LogEntry.MembershipBatch b) {
                List<MembershipChange> changes = b.changes();
                for (int k = changes.size() - 1; k >= 0; k--) {
                    MembershipChange c = changes.get(k);
                    if (c.session().equals(sid)) {
                        if (c.joined()) {
                            rooms.remove(c.room());
                        } else {
                            rooms.add(c.room());
                        }
                    }
                }
            }
        }

        // First pass, no frames built: the last message this session should have had that is older
        // than the recovery window by age. Everything up to it is reported as missed, not replayed.
        // Per partition: everything skipped that the session should have had is reported as missed.
        long ageCutoff = System.currentTimeMillis() - host.recoveryMaxAgeMillis();
        Set<String> scan = new HashSet<>(rooms);
        int start = 0;
        long[] missedOldest = pa.trimmedOldest.clone(); // per partition; > 0: report
        List<Positioned> shouldHave = partitions == 1 ? List.of() : new ArrayList<>();
        List<Integer> shouldHaveAt = partitions == 1 ? List.of() : new ArrayList<>();
        for (int i = 0; i < range.size(); i++) {
            LogEntry entry = range.get(i).entry();
            applyMembership(entry, sid, scan);
            if (entry instanceof LogEntry.Message m
                    && (partitions > 1 || m.time() < ageCutoff)
                    && !m.isVolatile()
                    && replayable(m, sid, r.session().namespace(), scan)) {
                if (partitions > 1) {
                    shouldHave.add(range.get(i));
                    shouldHaveAt.add(i);
                }
                if (m.time() < ageCutoff) {
                    start = i + 1;
                    rooms = new HashSet<>(scan);
                    if (partitions == 1) {
                        missedOldest[0] = range.get(i).position() + 1;
                    }
                }
            }
        }
        // (several partitions: the skipped prefix may hold other partitions' younger entries too)
        for (int k = 0; k < shouldHave.size() && shouldHaveAt.get(k) < start; k++) {
            Positioned e = shouldHave.get(k);
            missedOldest[e.partition()] = Math.max(missedOldest[e.partition()], e.position() + 1);
        }

        Target target = r.target();
        target.open(sid);
        for (int p = 0; p < partitions; p++) {
            if (missedOldest[p] > 0) {
                host.onMissedSent();
                target.send(Frame.control(Frames.missedJson(r.after().get(p), missedOldest[p], p, partitions), 0));
            }
        }
        long[] resumeFrom = r.after().toArray();
        for (int i = 0; i < start; i++) {
            Positioned e = range.get(i);
            resumeFrom[e.partition()] = Math.max(resumeFrom[e.partition()], e.position());
        }
        Replay replay = new Replay(r, rooms, range.subList(start, range.size()), resumeFrom);
        Replay earlier = replaying.put(sid, replay);
        if (earlier != null) {
            earlier.cancelled = true;
            earlier.request.target().replaced();
        }
        r.result().complete(true);
        pump(replay);
    }

    private static void applyMembership(LogEntry entry, String sid, Set<String> rooms) {
        if (entry instanceof LogEntry.Join j && j.session().equals(sid)) {
            rooms.add(j.room());
        } else if (entry instanceof LogEntry.Leave l && l.session().equals(sid)) {
            rooms.remove(l.room());
        } else if (entry instanceof LogEntry.MembershipBatch b) {
            for (MembershipChange c : b.changes()) {
                if (c.session().equals(sid)) {
                    if (c.joined()) {
                        rooms.add(c.room());
                    } else {
                        rooms.remove(c.room());
                    }
                }
            }
        }
    }

    /**
     * A replay in progress. Frames are built lazily and sent only while the target's buffer has
     * room, so a resuming client with a backlog far larger than its connection buffer is fed at the
     * pace it reads — never cut off for being behind, and never costing more memory than its buffer.
     * Live delivery starts when the replay has caught up with the log.
     */
    private static final class Replay {
        final AttachRequest request;
        final Set<String> rooms;
        List<Positioned> pending;
        int index;
        long[] position; // per partition, the last entry the replay has passed
        boolean cancelled;
        long lastBuffered = -1;
        long lastProgressNanos = System.nanoTime();

        Replay(AttachRequest request, Set<String> rooms, List<Positioned> pending, long[] position) {
            this.request = request;
            this.rooms = rooms;
            this.pending = pending;
            this.position = position;
        }
    }

    private final Map<String, Replay> replaying = new HashMap<>();
    private boolean pumpScheduled;

    /** Sends what the target's buffer allows; installs the attachment once caught up. */
    private void pump(Replay replay) {
        if (replay.cancelled) {
            return;
        }
        AttachRequest r = replay.request;
        Target target = r.target();
        String sid = r.session().id();
        String ns = r.session().namespace();
        while (true) {
            if (replay.index == replay.pending.size()) {
                if (covers(replay.position, processed)) {
                    break; // caught up
                }
                if (!recent.covers(replay.position)) {
                    // The reader fell behind the recent entries kept here: let it resume later.
                    endReplay(replay, null);
                    return;
                }
                replay.pending = recent.after(replay.position);
                replay.index = 0;
                if (replay.pending.isEmpty()) {
                    replay.position = processed.clone(); // only undecodable entries were left
                    break;
                }
                continue;
            }
            long buffered = target.bufferedBytes();
            if (buffered >= target.bufferBudget()) {
                if (!target.replayed(LogPosition.of(replay.position))) {
                    endReplay(replay, null); // a poll that is full answers now
                    return;
                }
                long now = System.nanoTime();
                if (buffered < replay.lastBuffered) {
                    replay.lastProgressNanos = now; // the client is reading
                }
                replay.lastBuffered = buffered;
                if (now - replay.lastProgressNanos > REPLAY_STALL_NANOS) {
                    // Not reading at all: cut off like a live slow consumer; it resumes later.
                    host.onSlowClientCut(ns, sid);
                    endReplay(replay, null);
                    return;
                }
                schedulePump();
                return;
            }
            replay.lastProgressNanos = System.nanoTime();
            Positioned e = replay.pending.get(replay.index++);
            replay.position[e.partition()] = e.position();
            LogEntry entry = e.entry();
            applyMembership(entry, sid, replay.rooms);
            if (entry instanceof LogEntry.Disconnect d && d.session().equals(sid)) {
                endReplay(replay, Frames.disconnect(d.reason()));
                return;
            }
            if (entry instanceof LogEntry.DisconnectBatch b && b.sessions().contains(sid)) {
                endReplay(replay, Frames.disconnect(b.reason()));
                return;
            }
            if (entry instanceof LogEntry.Message m && !m.isVolatile() && replayable(m, sid, ns, replay.rooms)) {
                host.onReplayed();
                Frame frame = partitions == 1
                        ? Frame.of(e.position(), m.frame())
                        : Frame.of(LogPosition.of(replay.position).encode(), m.frame());
                if (!target.send(frame)) {
                    endReplay(replay, null);
                    return;
                }
            } else if (entry instanceof LogEntry.Lost l) {
                host.onMissedSent();
                if (!target.send(
                        Frame.control(Frames.missedJson(l.after(), l.oldest(), e.partition(), partitions), 0))) {
                    endReplay(replay, null);
                    return;
                }
            }
        }
        replaying.remove(sid, replay);
        if (target.replayed(LogPosition.of(processed)) && r.install()) {
            Attachment previous = attached.get(sid);
            if (previous != null) {
                detach(previous);
                previous.target.replaced();
            }
            Attachment a = new Attachment(sid, ns, target, replay.rooms);
            attached.put(sid, a);
            for (String room : replay.rooms) {
                roomIndex.computeIfAbsent(room, x -> new HashSet<>()).add(a);
            }
        }
    }

    private void endReplay(Replay replay, @Nullable Frame last) {
        replay.cancelled = true;
        replaying.remove(replay.request.session().id(), replay);
        replay.request.target().close(last);
    }

    private void schedulePump() {
        if (pumpScheduled) {
            return;
        }
        pumpScheduled = true;
        pumpTimer.schedule(
                () -> post(() -> {
                    pumpScheduled = false;
                    for (Replay replay : new ArrayList<>(replaying.values())) {
                        pump(replay);
                    }
                }),
                PUMP_INTERVAL_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static boolean replayable(LogEntry.Message m, String sid, String ns, Set<String> rooms) {
        if (!m.namespace().equals(ns)) {
            return false;
        }
        boolean hit =
                switch (m.type()) {
                    case SESSION -> m.targets().get(0).equals(sid);
                    case ALL -> true;
                    case ROOMS -> {
                        boolean any = false;
                        for (String room : m.targets()) {
                            if (rooms.contains(room) || sid.equals(io.socketserve.spi.Selection.idOf(ns, room))) {
                                any = true;
                                break;
                            }
                        }
                        yield any;
                    }
                };
        if (!hit || m.exceptSessions().contains(sid)) {
            return false;
        }
        for (String room : m.exceptRooms()) {
            if (rooms.contains(room) || sid.equals(io.socketserve.spi.Selection.idOf(ns, room))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Entries in (after, upTo] from the backend, and the oldest position it still had. Positions are
     * contiguous (see {@link io.socketserve.spi.LogStore}): a hole in the range — entries the store
     * lost while keeping what came before and after — is returned as a {@link LogEntry.Lost} marker
     * at the hole's last position, which the replay turns into {@code __missed}. A range that starts
     * before the oldest entry kept (trimmed) is reported through {@link Slice#oldest} instead.
     */
    private record Slice(List<Positioned> entries, List<Integer> sizes, long oldest) {}

    private CompletionStage<Slice> readRange(int partition, long after, long upTo) {
        CompletableFuture<Slice> result = new CompletableFuture<>();
        readChunk(partition, after, upTo, after + 1, new Slice(new ArrayList<>(), new ArrayList<>(), -1), result);
        return result;
    }

    /**
     * @param expected the next position the range should hold (holes before it are already marked)
     * @param acc the entries read so far and their encoded lengths; its {@code oldest} is the oldest
     *     position the store had at the first read, -1 before it
     */
    private void readChunk(
            int partition, long after, long upTo, long expected, Slice acc, CompletableFuture<Slice> result) {
        if (after >= upTo) {
            markLost(acc, partition, expected, upTo);
            result.complete(new Slice(acc.entries, acc.sizes, acc.oldest < 0 ? after + 1 : acc.oldest));
            return;
        }
        int max = (int) Math.min(READ_CHUNK, upTo - after);
        backend.read(partition, after, max).whenComplete((LogSlice slice, Throwable error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            long first = acc.oldest < 0 ? slice.oldestPosition() : acc.oldest;
            // trimmed entries at the start are reported as such, not as a hole
            long next = acc.oldest < 0 ? Math.max(expected, slice.oldestPosition()) : expected;
            long last = after;
            for (LogRecord rec : slice.records()) {
                if (rec.position() > upTo) {
                    break;
                }
                if (rec.position() > next) {
                    markLost(acc, partition, next, rec.position() - 1);
                }
                next = rec.position() + 1;
                try {
                    acc.entries.add(new Positioned(partition, rec.position(), EntryCodec.decode(rec.entry())));
                    acc.sizes.add(rec.entry().length);
                } catch (IllegalArgumentException e) {
                    log.error("skipping undecodable log entry at {}", rec.position(), e);
                }
                last = rec.position();
            }
            if (slice.records().isEmpty() || last >= upTo || last == after) {
                // up to upTo, the dispatcher has read positions the store no longer has
                markLost(acc, partition, next, upTo);
                result.complete(new Slice(acc.entries, acc.sizes, first));
            } else {
                readChunk(partition, last, upTo, next, new Slice(acc.entries, acc.sizes, first), result);
            }
        });
    }

    /** Adds a {@link LogEntry.Lost} marker for the positions {@code from..to}, if any. */
    private static void markLost(Slice acc, int partition, long from, long to) {
        if (from <= to) {
            log.warn(
                    "log positions {}..{} (partition {}) are missing from the store: clients that resume across them"
                            + " are told",
                    from,
                    to,
                    partition);
            acc.entries.add(
                    new Positioned(partition, to, new LogEntry.Lost(System.currentTimeMillis(), from - 1, to + 1)));
            acc.sizes.add(0);
        }
    }

    /** Re-examines parked attach requests (their deadline passes even when no entry arrives). */
    void tick() {
        post(() -> {
            if (!parked.isEmpty()) {
                List<PendingAttach> retry = new ArrayList<>(parked);
                parked.clear();
                for (PendingAttach pa : retry) {
                    runAttach(pa);
                }
            }
        });
    }

    /** Closes every local stream (shutdown), writing {@code last} first when given. */
    void closeAll(@Nullable Frame last) {
        post(() -> {
            for (Iterator<Attachment> it = attached.values().iterator(); it.hasNext(); ) {
                Attachment a = it.next();
                it.remove();
                a.target.close(last);
            }
            roomIndex.clear();
        });
    }
}
