package io.socketserve.bench.driver;

import java.util.concurrent.CompletionStage;

/** One client session as a workload drives it: emit events, receive its stream. */
public interface ClientSession {

    /** The public id the server gave the session. */
    String id();

    /**
     * Sends an event with a JSON payload; completes when the server accepted it (for our protocol:
     * the POST was answered 2xx), exceptionally otherwise. At most one emit of a session is in flight
     * at a time; the caller waits for the stage before the next one.
     */
    CompletionStage<Void> emit(String event, byte[] json);

    /**
     * Opens the session's event stream; completes once the server confirmed it ({@code connected}).
     * If the server closes the stream while the session is open, the driver resumes it from the last
     * position seen (counted in {@link DriverStats#resumes()}).
     */
    CompletionStage<Void> openStream(StreamListener listener);

    /**
     * Closes the connection that carries this session's POSTs, if it has one (its stream stays
     * open): a client with thousands of sessions then holds one socket per session, not two.
     */
    void closeControl();

    /**
     * Closes the stream without resuming it (as a client whose server went away and that waits
     * before coming back); {@link #resumeStream} opens it again.
     */
    void suspendStream();

    /**
     * Opens the stream again after {@link #suspendStream}, on a new connection, from the listener's
     * {@link StreamListener#lastPosition()} ({@code Last-Event-ID}); completes once the server
     * confirmed it ({@code connected}), before the replayed messages arrive.
     */
    CompletionStage<Void> resumeStream();

    /** Closes the session's connections (without telling the server: the session just goes idle). */
    void close();
}
