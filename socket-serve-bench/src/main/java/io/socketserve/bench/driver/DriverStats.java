package io.socketserve.bench.driver;

import java.util.concurrent.atomic.LongAdder;

/** Transport-level counters of a driver. */
public final class DriverStats {

    private final LongAdder connections = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder streamsClosedByServer = new LongAdder();
    private final LongAdder resumes = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder keepalives = new LongAdder();

    public void connectionOpened() {
        connections.increment();
    }

    public void connectFailed() {
        connectFailures.increment();
    }

    public void streamClosedByServer() {
        streamsClosedByServer.increment();
    }

    public void resumed() {
        resumes.increment();
    }

    public void missedNotice() {
        missed.increment();
    }

    public void keepalive() {
        keepalives.increment();
    }

    public long connections() {
        return connections.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long streamsClosedByServer() {
        return streamsClosedByServer.sum();
    }

    public long resumes() {
        return resumes.sum();
    }

    /** {@code __missed} notices: the server could no longer replay what a resuming stream missed. */
    public long missedNotices() {
        return missed.sum();
    }

    public long keepalives() {
        return keepalives.sum();
    }
}
