package io.socketserve.client;

/**
 * Answers a server → client acknowledgement request ({@code socket.emitWithAck} on the server). Only
 * the first {@link #send} of a message counts; when the server asked for no acknowledgement,
 * {@link #requested()} is false and {@code send} does nothing.
 */
public interface Ack {

    /** Sends the answer (any value Jackson can write; {@code byte[]} travels as binary). */
    void send(Object response);

    /** Whether the server asked for an acknowledgement of this message. */
    boolean requested();
}
