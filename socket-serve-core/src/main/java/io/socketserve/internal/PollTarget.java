package io.socketserve.internal;

import io.socketserve.spi.LogPosition;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.Frame;
import io.socketserve.transport.TransportResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Delivery to one polling request: collects the replayed frames and, for a long-poll with nothing
 * pending, stays attached until the first live batch or the wait elapses. All calls except {@link
 * #response()} happen on the dispatcher thread.
 */
final class PollTarget implements Dispatcher.Target {

    private final Dispatcher dispatcher;
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final io.socketserve.spi.Backend backend;
    private final SessionRecord session;
    private final PendingCursors pendingCursors;
    private final long waitMillis;
    private final EngineStats stats;
    private final List<Frame> frames = new ArrayList<>();
    private final CompletableFuture<TransportResponse> response = new CompletableFuture<>();
    private boolean done;
    private boolean installed;
    private @Nullable ScheduledFuture<?> timeout;

    PollTarget(
            Dispatcher dispatcher,
            java.util.concurrent.ScheduledExecutorService timer,
            io.socketserve.spi.Backend backend,
            SessionRecord session,
            PendingCursors pendingCursors,
            long waitMillis,
            EngineStats stats) {
        this.stats = stats;
        this.dispatcher = dispatcher;
        this.timer = timer;
        this.backend = backend;
        this.session = session;
        this.pendingCursors = pendingCursors;
        this.waitMillis = waitMillis;
    }

    /** Whether this is a long-poll (it may stay attached). */
    boolean waits() {
        return waitMillis > 0;
    }

    CompletableFuture<TransportResponse> response() {
        return response;
    }

    @Override
    public void open(String publicId) {}

    @Override
    public boolean send(Frame frame) {
        if (done) {
            return false;
        }
        frames.add(frame);
        stats.deliveries.increment();
        stats.bytesWritten.add(frame.json().remaining());
        if (installed && frames.size() == 1) {
            dispatcher.afterCurrentBatch(this::finish);
        }
        return true;
    }

    @Override
    public boolean writable() {
        return !done;
    }

    /** At most this many messages per answer; the client polls again for the rest at once. */
    static final int MAX_MESSAGES = 1000;

    @Override
    public long bufferedBytes() {
        return frames.size() >= MAX_MESSAGES ? 1 : 0;
    }

    @Override
    public long bufferBudget() {
        return 1;
    }

    @Override
    public void close(@Nullable Frame last) {
        if (!done && last != null) {
            frames.add(last);
        }
        finish(dispatcher.processedPosition());
    }

    @Override
    public void replaced() {
        finish(dispatcher.processedPosition());
    }

    @Override
    public boolean replayed(LogPosition position) {
        if (!frames.isEmpty() || waitMillis <= 0) {
            finish(position);
            return false;
        }
        installed = true;
        timeout = timer.schedule(
                () -> dispatcher.execute(() -> finish(dispatcher.processedPosition())),
                waitMillis,
                TimeUnit.MILLISECONDS);
        return true;
    }

    private void finish(LogPosition position) {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (installed) {
            dispatcher.detach(session.id(), this);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + frames.size() * 128);
        out.writeBytes("{\"messages\":[".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            try {
                frames.get(i).writeJson(out);
            } catch (java.io.IOException impossible) { // a ByteArrayOutputStream does not fail
                throw new java.io.UncheckedIOException(impossible);
            }
        }
        out.writeBytes(("],\"position\":" + Frames.positionJson(position) + "}").getBytes(StandardCharsets.US_ASCII));
        TransportResponse body = TransportResponse.json(200, out.toByteArray());
        // The cursor moves before the answer leaves, so the next cursor-based poll starts after it.
        // If the backend cannot store it, the answer still goes out (it says its position, which a
        // client that polls with `after` resumes from) and this instance remembers the cursor for
        // the session's next poll (docs/protocol.md, polling).
        CompletionStage<Void> stored = position.partitions() == 1
                ? backend.setCursor(session.id(), position.single())
                : backend.setCursor(session.id(), position);
        stored.whenComplete((v, e) -> {
            if (e == null) {
                pendingCursors.stored(session.id(), position);
            } else {
                pendingCursors.failed(session.id(), position, e);
            }
            response.complete(body);
        });
    }
}
