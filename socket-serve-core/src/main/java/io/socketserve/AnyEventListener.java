package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Sees every event a namespace receives, after the event middleware and before the event's handler —
 * including events that have no handler. For logging, metrics, auditing; it cannot answer or
 * reject (use {@link EventMiddleware} to reject). A listener that throws is logged and skipped; the
 * event goes on.
 *
 * <pre>{@code
 * server.onAny((socket, event, data) -> log.debug("{} sent {}", socket.id(), event));
 * }</pre>
 *
 * <p>Runs on the handler executor, on the session's serial lane (like the handler).
 *
 * <p><b>Migration from 0.1:</b> {@code onAny(EventHandler)} used to be the fallback for events
 * without a handler of their own; that is now {@link Namespace#onUnhandled(EventHandler)}.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface AnyEventListener {

    /**
     * @param socket the sending socket
     * @param event the event's name
     * @param data the payload ({@code NullNode} when the client sent none)
     */
    void onEvent(Socket socket, String event, JsonNode data) throws Exception;
}
