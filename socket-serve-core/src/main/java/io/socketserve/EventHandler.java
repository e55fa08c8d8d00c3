package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Handles one named event sent by clients. Registered on the {@link SocketServer} (not per socket),
 * so that any instance can handle any session's events.
 *
 * <p>Runs on the handler executor ({@link ServerOptions#handlerExecutor()}), never on a network
 * thread, so it may block (for example on {@link Socket#join}). Events of one session reach handlers
 * one at a time, in the order the server received them. If it throws, the exception is logged with
 * the socket's public id, the client's pending ack (if any) receives an error, and the POST that
 * carried the event is answered as the server's {@link ExceptionHandler} decides (by default {@code
 * 500 internal_error} with an error id that is also logged); nothing else is affected.
 */
@FunctionalInterface
public interface EventHandler {

    /**
     * @param socket the sending socket
     * @param data the event's payload ({@code NullNode} when the client sent none)
     * @param ack answers the client's acknowledgement request; a no-op when it asked for none
     */
    void onEvent(Socket socket, JsonNode data, Ack ack) throws Exception;
}
