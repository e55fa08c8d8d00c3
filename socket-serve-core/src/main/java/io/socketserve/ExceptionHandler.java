package io.socketserve;

/**
 * Decides what the client gets when a handler throws something other than a {@link
 * SocketServeException} (a {@code SocketServeException} is a deliberate answer and goes to the client
 * as it is). The server logs every such failure at WARN with its error id and stack trace before
 * asking; the client never sees a stack trace.
 *
 * <pre>{@code
 * server.exceptionHandler(failure -> failure.error() instanceof IllegalArgumentException e
 *         ? new SocketServeException("bad_request", e.getMessage(), 400)
 *         : ExceptionHandler.DEFAULT.handle(failure));
 * }</pre>
 *
 * <p>The answer becomes the POST's error response ({@code {"error":code,"message":…,"errorId":…}}
 * with its status) and, when the client asked for an acknowledgement, the ack's error. A handler that
 * itself throws, or returns {@code null}, gets the {@link #DEFAULT} answer.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface ExceptionHandler {

    /**
     * The default: {@code 500 internal_error} with a generic message naming the event and the error
     * id.
     */
    ExceptionHandler DEFAULT = failure -> new SocketServeException(
            "internal_error",
            "the handler for '" + failure.event() + "' failed (error id " + failure.errorId() + ")",
            500);

    /** The answer for the client. */
    SocketServeException handle(HandlerFailure failure);
}
