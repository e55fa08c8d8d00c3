package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.SocketServeException;

/**
 * What the {@link Dispatcher} reports while it reads the log: answers to server→client
 * acknowledgements go to the {@link AckRegistry}, ended sessions fail their pending acks, and a lost
 * or regained backend marks {@link BackendHealth}.
 */
final class DeliveryEvents implements Dispatcher.Host {

    private final AckRegistry acks;
    private final Json json;
    private final BackendHealth health;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DeliveryEvents.class);

    private final long recoveryMaxAgeMillis;
    private final EngineStats stats;
    /** Whether the last availability report said the backend was down (reader thread only). */
    private boolean down;

    private final SessionCache sessionCache;

    DeliveryEvents(
            AckRegistry acks,
            Json json,
            BackendHealth health,
            long recoveryMaxAgeMillis,
            SessionCache sessionCache,
            EngineStats stats) {
        this.stats = stats;
        this.sessionCache = sessionCache;
        this.acks = acks;
        this.json = json;
        this.health = health;
        this.recoveryMaxAgeMillis = recoveryMaxAgeMillis;
    }

    @Override
    public void onAckReply(LogEntry.AckReply reply) {
        JsonNode answer;
        try {
            answer = json.readStored(
                    new String(reply.data(), java.nio.charset.StandardCharsets.UTF_8),
                    "the acknowledgement of message '" + reply.messageId() + "' by socket " + reply.session());
        } catch (SocketServeException corrupt) {
            // The reply was validated JSON when it was written; a corrupt one (logged by Json) fails
            // the request with that error rather than answering null (issue 13).
            acks.fail(reply.session(), reply.messageId(), corrupt);
            acks.failBroadcast(reply.messageId(), corrupt);
            return;
        }
        acks.complete(reply.session(), reply.messageId(), answer);
    }

    @Override
    public void onGap() {
        sessionCache.clear();
    }

    @Override
    public void onSessionEnded(String sessionId) {
        sessionCache.invalidate(sessionId);
        acks.failSession(sessionId);
        stats.sessionEnded(sessionId);
    }

    @Override
    public void onAvailability(boolean available) {
        health.trouble();
        if (!available) {
            // it may come back without its data
            sessionCache.clear();
            stats.backendErrors.increment();
        }
        if (available == down) {
            down = !available;
            if (available) {
                LogFields.info(log, stats.instance, null, null, "backend up: the log subscription reads again");
            } else {
                LogFields.warn(log, stats.instance, null, null, "backend down: the log subscription lost the backend");
            }
        }
    }

    @Override
    public void onReplayed() {
        stats.replayedFrames.increment();
    }

    @Override
    public void onSlowClientCut(String namespace, String sessionId) {
        stats.slowClientCut(namespace, sessionId);
    }

    @Override
    public void onMissedSent() {
        stats.missedSent.increment();
    }

    @Override
    public long recoveryMaxAgeMillis() {
        return recoveryMaxAgeMillis;
    }
}
