/**
 * Spring Boot 4 auto-configuration for socket-serve: a {@link io.socketserve.SocketServer} bean built
 * from {@code socketserve.*} properties ({@link io.socketserve.spring.boot.SocketServeProperties}),
 * served by the servlet transport on the application's own port, with annotated handlers on beans.
 * See {@code docs/spring-boot.md}.
 */
@NullMarked
package io.socketserve.spring.boot;

import org.jspecify.annotations.NullMarked;
