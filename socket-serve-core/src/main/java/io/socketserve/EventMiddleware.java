package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs before every event handler of every session: return normally to let the event through, throw
 * {@link SocketServeException} to reject it — the client's POST gets that status and code and its
 * ack (if any) the error. Runs on the handler executor, in the session's order.
 *
 * <pre>{@code
 * server.useEvents((socket, event, data) -> {
 *     if (event.startsWith("admin:") && !"admin".equals(socket.attributes().get("role"))) {
 *         throw new SocketServeException("forbidden", "admins only", 403);
 *     }
 * });
 * }</pre>
 */
@FunctionalInterface
public interface EventMiddleware {

    void handle(Socket socket, String event, JsonNode data) throws Exception;
}
