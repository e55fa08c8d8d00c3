package io.socketserve;

/**
 * Told once when a user went offline: the last live session tracked as that user ended or lost its
 * connection, and none came back within {@link ServerOptions#presenceOfflineGrace()}.
 *
 * <p>Across any number of instances, each time a user goes offline exactly one instance calls its
 * listeners, once (the claim is atomic in the backend). A quick reconnect inside the grace period
 * cancels it. The listener runs on the handler executor; it may block.
 *
 * <pre>{@code
 * server.onUserOffline(userId -> lastSeen.put(userId, Instant.now()));
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface UserOfflineListener {

    /** The user went offline. An exception is logged and otherwise ignored. */
    void onUserOffline(String userId) throws Exception;
}
