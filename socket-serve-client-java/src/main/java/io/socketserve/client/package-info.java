/**
 * Java client of the socket-serve wire protocol (docs/protocol.md, docs/java-client.md): connect with
 * {@link io.socketserve.client.SocketClient#connect(java.net.URI, io.socketserve.client.ClientOptions)},
 * listen with {@code on}, send with {@code emit} / {@code emitWithAck}. Built on
 * {@link java.net.http.HttpClient}'s asynchronous API: no thread per client.
 */
package io.socketserve.client;
