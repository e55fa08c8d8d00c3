/**
 * socket-serve: Socket.IO-style connections, events, acknowledgements and rooms over plain HTTP.
 *
 * <p>Everything an application needs is in this package:
 *
 * <ul>
 *   <li>{@link io.socketserve.SocketServer} — the server: handlers, server-wide emits, room queries;
 *   <li>{@link io.socketserve.Socket} — one connected client as seen from a handler;
 *   <li>{@link io.socketserve.BroadcastOperator} — {@code server.to("room").except("other").emit(…)};
 *   <li>{@link io.socketserve.Ack} — answering a client's acknowledgement request;
 *   <li>{@link io.socketserve.ServerOptions} — every limit and timing, with named defaults.
 * </ul>
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create();            // in-memory backend
 * server.on("chatMessage", (socket, data, ack) ->
 *         socket.broadcastToRoom("lobby", "message", Map.of(
 *                 "user", socket.id(), "text", data.path("text").asText())));
 * server.onConnection(socket -> socket.join("lobby"));
 * EmbeddedServer.start(server, 8080);                     // socket-serve-netty
 * }</pre>
 *
 * <p>Transports live in their own modules ({@code socket-serve-netty}); backends in {@code
 * io.socketserve.memory} and {@code socket-serve-redis}.
 */
@NullMarked
package io.socketserve;

import org.jspecify.annotations.NullMarked;
