package io.socketserve;

/**
 * Called once for each new session, on the handler executor, after the session exists and before
 * the {@code /connect} request is answered. Emits made here are delivered as soon as the client
 * opens its stream or polls (they are in the session's log).
 */
@FunctionalInterface
public interface ConnectionListener {

    void onConnection(Socket socket) throws Exception;
}
