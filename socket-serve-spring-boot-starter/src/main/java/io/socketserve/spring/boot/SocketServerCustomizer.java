package io.socketserve.spring.boot;

import io.socketserve.SocketServer;

/**
 * Programmatic setup of the auto-configured {@link SocketServer}: middleware, namespaces, an
 * exception handler, handlers that are not annotated methods. Every bean of this type is called once,
 * in {@link org.springframework.core.Ordered} order, after the server is created and before the
 * servlet accepts a request.
 *
 * <pre>{@code
 * @Bean
 * SocketServerCustomizer tokens(TokenService tokens) {
 *     return server -> server.use(handshake -> handshake.attribute("user", tokens.verify(handshake.auth())));
 * }
 * }</pre>
 *
 * <p>Options are set with properties or a {@link ServerOptionsCustomizer}.
 */
@FunctionalInterface
public interface SocketServerCustomizer {

    void customize(SocketServer server);
}
