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
