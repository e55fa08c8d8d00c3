package io.socketserve.transport;

/**
 * Implemented by the stock {@link io.socketserve.SocketServer}: how a transport reaches the protocol
 * endpoint without it being part of the application-facing API. Transports call {@link
 * SocketEndpoint#of(io.socketserve.SocketServer)}.
 *
 * @since 0.2
 */
public interface EndpointProvider {

    /** The protocol endpoint transports feed requests to. */
    SocketEndpoint endpoint();
}
