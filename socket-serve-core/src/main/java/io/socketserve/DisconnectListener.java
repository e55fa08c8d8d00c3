package io.socketserve;

/**
 * Called exactly once per session when it ends — client disconnect, server disconnect or expiry —
 * on whichever instance noticed first. The socket is already out of every room, but {@link
 * Socket#rooms()} still returns the rooms it was in, so that the handler can tell them (the seed's
 * "userLeft" pattern): {@link Socket#broadcastToRoom} works, {@link Socket#emit} to the socket itself
 * does nothing.
 */
@FunctionalInterface
public interface DisconnectListener {

    void onDisconnect(Socket socket, DisconnectReason reason) throws Exception;
}
