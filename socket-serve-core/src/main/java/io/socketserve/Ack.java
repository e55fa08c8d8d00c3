package io.socketserve;

import org.jspecify.annotations.Nullable;

/**
 * Answers a client's acknowledgement request (the client passed a callback to {@code emit}). Only
 * the first call counts; later calls are ignored. Calling it when the client asked for no
 * acknowledgement does nothing.
 *
 * <p>Delivery: an answer given before the handler returns travels in the HTTP response of the
 * event's POST (for clients that asked for it) and otherwise as an {@code __ack} frame on the
 * session's stream; an answer given later always travels as a frame.
 */
public interface Ack {

    /** Sends {@code response} (any Jackson-serialisable value; {@code null} becomes JSON null). */
    void send(@Nullable Object response);

    /** Whether the client asked for an acknowledgement. */
    boolean requested();
}
