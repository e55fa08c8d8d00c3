package io.socketserve.internal;

import io.socketserve.Ack;
import io.socketserve.spi.SessionRecord;
import io.socketserve.transport.JsonStrings;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Answers one client→server acknowledgement request: in the POST response when the client asked for
 * it and the handler answered before returning, else as an {@code __ack} frame (docs/protocol.md).
 */
final class AckImpl implements Ack {

    private final Publisher publisher;
    private final Json json;
    private final @Nullable InvocationContext context;
    private final SessionRecord session;
    private final @Nullable String messageId;
    private final boolean inResponse;
    private boolean handlerRunning = true;
    private boolean sent;
    private byte @Nullable [] responseData;

    AckImpl(
            Publisher publisher,
            Json json,
            SessionRecord session,
            @Nullable String messageId,
            boolean inResponse,
            @Nullable InvocationContext context) {
        this.publisher = publisher;
        this.json = json;
        this.context = context;
        this.session = session;
        this.messageId = messageId;
        this.inResponse = inResponse;
    }

    @Override
    public boolean requested() {
        return messageId != null;
    }

    @Override
    public void send(@Nullable Object response) {
        byte[] data = json.write(response);
        deliver(data, false);
    }

    /**
     * The handler failed: the error goes to a pending acknowledgement — in the HTTP response only, if
     * the client asked for answers in the response (the caller puts it there), else as an {@code
     * __ack} frame with {@code error}.
     */
    void handlerFailed(String code, String message) {
        synchronized (this) {
            handlerRunning = false;
            if (inResponse) {
                sent = true;
                return;
            }
        }
        fail(code, message);
    }

    /** Sends an error answer {@code {"error":code,"message":message}} unless an answer went already. */
    void fail(String code, String message) {
        byte[] data = ("{\"error\":" + JsonStrings.quote(code) + ",\"message\":" + JsonStrings.quote(message) + "}")
                .getBytes(StandardCharsets.UTF_8);
        deliver(data, true);
    }

    private void deliver(byte[] data, boolean error) {
        String id = messageId;
        boolean frame;
        synchronized (this) {
            if (id == null || sent) {
                return;
            }
            sent = true;
            if (handlerRunning && !error) {
                responseData = data;
            }
            frame = !(handlerRunning && inResponse && !error);
        }
        if (frame) {
            publisher.publishAck(session.id(), session.namespace(), id, data, error, context);
        }
    }

    /** The handler returned: the answer to put in the response, if any. */
    synchronized byte @Nullable [] finish() {
        handlerRunning = false;
        return responseData;
    }
}
