/**
 * The embedded HTTP server (Netty): the protocol endpoints under the base path, Server-Sent Events
 * with back-pressure, long-polling, CORS, the browser client at {@code /socket-serve.js} and static
 * pages.
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create();
 * EmbeddedServer http = EmbeddedServer.builder(server).port(8080).staticResources("static").start();
 * }</pre>
 */
@NullMarked
package io.socketserve.netty;

import org.jspecify.annotations.NullMarked;
