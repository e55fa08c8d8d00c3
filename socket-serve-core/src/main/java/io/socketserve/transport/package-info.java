/**
 * What HTTP transports (the Netty {@code EmbeddedServer}, later a Servlet adapter) need from the
 * engine: the protocol endpoint, the request/response shapes, and the stream sink contract with its
 * back-pressure rules. Applications never use this package.
 */
@NullMarked
package io.socketserve.transport;

import org.jspecify.annotations.NullMarked;
