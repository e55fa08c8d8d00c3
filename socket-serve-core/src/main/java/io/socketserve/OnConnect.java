package io.socketserve;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a listener object as a {@link ConnectionListener}: called once for each new
 * session, with the same timing and threading. The object is registered with {@link
 * Namespace#register(Object)}.
 *
 * <pre>{@code
 * @OnConnect
 * void connected(Socket socket) {
 *     socket.join("lobby");
 * }
 * }</pre>
 *
 * <p>The method takes a {@link Socket} or nothing, and returns {@code void}. An exception it throws
 * is handled as a {@link ConnectionListener}'s would be.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OnConnect {}
