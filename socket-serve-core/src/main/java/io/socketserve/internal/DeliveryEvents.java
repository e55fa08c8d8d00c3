package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link Dispatcher} reports while it reads the log: answers to server→client
 * acknowledgements go to the {@link AckRegistry}, ended sessions fail their pending acks, and a lost
 * or regained backend marks {@link BackendHealth}.
 */
final class DeliveryEvents implements Dispatcher.Host {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEvents.class);

    private final AckRegistry acks;
    private final Json json;
    private final BackendHealth health;
    private final long recoveryMaxAgeMillis;

    DeliveryEvents(AckRegistry acks, Json json, BackendHealth health, long recoveryMaxAgeMillis) {
        this.acks = acks;
        this.json = json;
        this.health = health;
        this.recoveryMaxAgeMillis = recoveryMaxAgeMillis;
    }

    @Override
    public void onAckReply(LogEntry.AckReply reply) {
        JsonNode answer;
        try {
            answer = json.mapper().readTree(reply.data());
        } catch (IOException e) {
            // The reply was validated JSON when it was written; a corrupt one answers null, loudly.
            log.warn("undecodable ack reply for socket {}: {}", reply.session(), e.toString());
            answer = com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        acks.complete(reply.session(), reply.messageId(), answer);
    }

    @Override
    public void onSessionEnded(String sessionId) {
        acks.failSession(sessionId);
    }

    @Override
    public void onAvailability(boolean available) {
        health.trouble();
    }

    @Override
    public long recoveryMaxAgeMillis() {
        return recoveryMaxAgeMillis;
    }
}
