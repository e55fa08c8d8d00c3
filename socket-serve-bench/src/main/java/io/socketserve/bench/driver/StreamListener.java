package io.socketserve.bench.driver;

/** Receives the message frames of one session's stream. Called on one I/O thread, never concurrently. */
public interface StreamListener {

    /**
     * One message.
     *
     * @param position the frame's log position (SSE {@code id:}), or -1 if it had none
     * @param json the frame's JSON in {@code json[0, length)}; the array is reused after the call
     */
    void onMessage(long position, byte[] json, int length);

    /** The last position received, used to resume after the server closed the stream. */
    long lastPosition();
}
