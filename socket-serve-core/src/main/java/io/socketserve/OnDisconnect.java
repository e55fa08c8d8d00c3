package io.socketserve;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a listener object as a {@link DisconnectListener}: called exactly once per
 * session when it ends, with the same timing and guarantees. The object is registered with {@link
 * Namespace#register(Object)}.
 *
 * <pre>{@code
 * @OnDisconnect
 * void left(Socket socket, DisconnectReason reason) {
 *     socket.rooms().forEach(room -> socket.broadcastToRoom(room, "left", socket.id()));
 * }
 * }</pre>
 *
 * <p>The method takes, in any order, a {@link Socket}, a {@link DisconnectReason}, both or neither,
 * and returns {@code void}. An exception it throws is handled as a
 * {@link DisconnectListener}'s would be.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OnDisconnect {}
