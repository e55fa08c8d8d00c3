package io.socketserve;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a listener object as the handler of the client event {@link #value()}; the
 * object is registered with {@link Namespace#register(Object)}. The annotated equivalent of {@link
 * Namespace#on(String, Class, TypedEventHandler)}.
 *
 * <pre>{@code
 * record Say(String room, String text) {}
 *
 * @OnEvent("say")
 * void say(Socket socket, Say message) {
 *     socket.broadcastToRoom(message.room(), "said", message.text());
 * }
 *
 * @OnEvent("join")
 * Set<String> join(Socket socket, String room) { // the returned value answers the client's ack
 *     socket.join(room);
 *     return socket.rooms();
 * }
 * }</pre>
 *
 * <h2>Parameters</h2>
 *
 * <p>Bound by declared type, in any order, each at most once; all are optional:
 *
 * <ul>
 *   <li>{@link Socket} — the sending socket;
 *   <li>{@link Ack} — answers the client's acknowledgement request (a no-op when it asked for none);
 *   <li>{@link com.fasterxml.jackson.databind.JsonNode} — the raw payload ({@code NullNode} when the
 *       client sent none);
 *   <li>any other single type — the payload bound with the server's Jackson mapper, exactly as a
 *       {@linkplain TypedEventHandler typed handler} binds it: a payload that does not bind (or is
 *       missing) is answered {@code 400 invalid_payload} and the method is not called. Primitives
 *       bind to their wrapper. A generic type such as {@code List<Move>} is rejected, since it
 *       would bind by its raw class: use {@code Move[]}, a record wrapping the list, or {@code
 *       JsonNode}.
 * </ul>
 *
 * <p>A method takes either {@code JsonNode} or one payload type, not both.
 *
 * <h2>Return value</h2>
 *
 * <ul>
 *   <li>{@code void}: the method answers through its {@link Ack} parameter, if it wants to;
 *   <li>any other type: the returned value (any Jackson-serialisable value, {@code null} as JSON
 *       {@code null}) answers the client's acknowledgement request, as {@link Ack#send} would; it is
 *       dropped when the client asked for none. Such a method may not also take an {@link Ack}.
 *   <li>a {@link java.util.concurrent.CompletionStage}: the handler waits for it (the session's
 *       next events wait too, as for any handler that blocks) and answers with its value; if it
 *       completes exceptionally, that exception is the handler's.
 * </ul>
 *
 * <h2>Exceptions</h2>
 *
 * <p>An exception the method throws is the handler's, as described on {@link EventHandler}: what
 * the server's {@link ExceptionHandler} decides (by default {@code 500 internal_error} with an error
 * id), or a {@link SocketServeException}'s own code and status.
 *
 * <p>The event name must not be empty, nor {@code "__ack"} or {@code "__ping"} (the protocol answers
 * those itself, they never reach a handler). See {@link Namespace#register(Object)} for visibility,
 * inheritance and the checks made at registration.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OnEvent {

    /** The event name, as the client emits it. */
    String value();
}
