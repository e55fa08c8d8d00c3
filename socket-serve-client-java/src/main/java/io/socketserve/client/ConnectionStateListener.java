package io.socketserve.client;

import java.time.Duration;

/**
 * Connection-state events of a {@link SocketClient}. Every method has an empty default, so a
 * listener implements only what it needs. They run on the client's listener executor, in order
 * with the messages.
 */
public interface ConnectionStateListener {

    /** A session is being created ({@code POST {base}/connect}). */
    default void connecting() {}

    /**
     * The stream (or poll loop) is up.
     *
     * @param id the session's public id
     * @param resumed false for a new session, true when a dropped stream of the same session was
     *     resumed (nothing lost inside the server's recovery window)
     */
    default void connected(String id, boolean resumed) {}

    /**
     * The stream dropped; the client tries again after {@code delay}.
     *
     * @param attempt how many attempts failed in a row (0 for the first retry)
     * @param delay the wait before the next attempt
     */
    default void reconnecting(int attempt, Duration delay) {}

    /**
     * The session ended: {@code "io client disconnect"} after {@link SocketClient#disconnect()}, the
     * server's reason from {@code __disconnect}, or {@code "unknown_session"} when the server forgot
     * the session (the client then connects anew by itself).
     */
    default void disconnected(String reason) {}

    /**
     * Messages after position {@code after} were no longer kept by the server; delivery continues
     * at {@code oldest} ({@code __missed}).
     */
    default void missed(long after, long oldest) {}

    /**
     * A connect or stream attempt failed (the client retries by itself), or the server refused an
     * {@code emit} made without an ack (it is not retried; {@code emitWithAck} reports it instead).
     */
    default void error(Throwable error) {}
}
