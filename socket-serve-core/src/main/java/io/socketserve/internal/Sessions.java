package io.socketserve.internal;

import io.socketserve.DisconnectListener;
import io.socketserve.DisconnectReason;
import io.socketserve.Socket;
import io.socketserve.spi.Backend;
import io.socketserve.spi.RemovedSession;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How sessions end. Whichever instance notices first (a client's disconnect, the application, the
 * expiry sweep) removes the session in one backend call that also appends the {@code Disconnect}
 * entry; only the call that actually removed it goes on, so the session leaves its presence and its
 * disconnect listeners run exactly once, on that instance.
 */
final class Sessions {

    private static final Logger log = LoggerFactory.getLogger(Sessions.class);

    private final Backend backend;
    private final Presence presence;
    private final Namespaces namespaces;
    private final KeyedSerialExecutor perSession;
    private final Function<RemovedSession, Socket> endedSocket;
    private final EngineStats stats;
    private final SessionCache sessionCache;

    Sessions(
            Backend backend,
            Presence presence,
            Namespaces namespaces,
            KeyedSerialExecutor perSession,
            Function<RemovedSession, Socket> endedSocket,
            SessionCache sessionCache,
            EngineStats stats) {
        this.stats = stats;
        this.sessionCache = sessionCache;
        this.backend = backend;
        this.presence = presence;
        this.namespaces = namespaces;
        this.perSession = perSession;
        this.endedSocket = endedSocket;
    }

    /** Ends a session; completes {@code true} on the one caller that removed it. */
    CompletionStage<Boolean> end(String sessionId, DisconnectReason reason) {
        byte[] entry =
                EntryCodec.encode(new LogEntry.Disconnect(System.currentTimeMillis(), sessionId, reason.wireName()));
        return backend.removeSession(sessionId, entry).thenApply(removed -> {
            if (removed == null) {
                return false;
            }
            ended(removed, reason);
            return true;
        });
    }

    /** What follows a removal this instance made (single or batched): presence, listeners, once. */
    void ended(RemovedSession removed, DisconnectReason reason) {
        sessionCache.invalidate(removed.session().id());
        stats.disconnected(reason);
        LogFields.info(
                LogFields.SESSIONS,
                stats.instance,
                removed.session().namespace(),
                removed.session().id(),
                "disconnected: {}",
                reason.wireName());
        presence.drop(removed.session().id());
        fireDisconnect(removed, reason);
    }

    private void fireDisconnect(RemovedSession removed, DisconnectReason reason) {
        List<DisconnectListener> listeners =
                namespaces.handlers(removed.session().namespace()).disconnectListeners;
        if (listeners.isEmpty()) {
            return;
        }
        Socket socket = endedSocket.apply(removed);
        perSession.execute(removed.session().id(), () -> {
            for (DisconnectListener l : listeners) {
                try {
                    l.onDisconnect(socket, reason);
                } catch (Exception e) {
                    log.warn("disconnect handler failed for socket {}", socket.id(), e);
                }
            }
        });
    }
}
