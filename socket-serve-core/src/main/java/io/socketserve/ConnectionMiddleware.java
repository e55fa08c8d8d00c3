package io.socketserve;

/**
 * Decides whether a client may connect, before any session exists: return normally to accept,
 * throw {@link SocketServeException} to reject with its status and code (for example {@code new
 * SocketServeException("unauthorized", "invalid token", 401)}). A rejected handshake leaves nothing
 * behind. Runs on the handler executor, so it may block (for example to look a token up); several
 * run in registration order and the first rejection wins.
 *
 * <pre>{@code
 * server.use(handshake -> {
 *     String token = handshake.auth().path("token").asText(null);
 *     User user = tokens.verify(token);   // throws SocketServeException("unauthorized", …, 401)
 *     handshake.attribute("userId", user.id());
 * });
 * }</pre>
 *
 * <p>Any other exception rejects the handshake with {@code 403 handshake_failed} and is logged.
 */
@FunctionalInterface
public interface ConnectionMiddleware {

    void handle(Handshake handshake) throws Exception;
}
