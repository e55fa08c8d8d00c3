package io.socketserve;

/**
 * A handler (or event middleware, or annotated listener method) that threw something other than a
 * {@link SocketServeException}: what the {@link ExceptionHandler} decides about.
 *
 * @param socket the socket whose event failed
 * @param event the event's name
 * @param error what the handler threw
 * @param errorId a short random id, logged with the failure and sent to the client by the default
 *     handler, so that a user's report can be matched with the server's log
 * @since 0.2
 */
public record HandlerFailure(Socket socket, String event, Throwable error, String errorId) {}
