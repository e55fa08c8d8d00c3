package io.socketserve;

/** Why a session ended. {@link #wireName()} is what clients see in {@code __disconnect} frames. */
public enum DisconnectReason {
    /** The client called {@code disconnect()} ({@code POST /disconnect}). */
    CLIENT_DISCONNECT("client namespace disconnect"),
    /** The application called {@link Socket#disconnect()} or a server-wide disconnect. */
    SERVER_DISCONNECT("server namespace disconnect"),
    /** No stream and no poll for the session timeout; the client never came back. */
    TIMEOUT("ping timeout"),
    /**
     * The server is shutting down and its sessions end with it (the in-memory backend; with a shared
     * backend such as Redis sessions outlive the instance and resume elsewhere instead).
     */
    SERVER_SHUTTING_DOWN("server shutting down");

    private final String wireName;

    DisconnectReason(String wireName) {
        this.wireName = wireName;
    }

    /** The Socket.IO-compatible reason string. */
    public String wireName() {
        return wireName;
    }

    /** The reason with that wire name, or {@link #SERVER_DISCONNECT}. */
    public static DisconnectReason fromWireName(String name) {
        for (DisconnectReason r : values()) {
            if (r.wireName.equals(name)) {
                return r;
            }
        }
        return SERVER_DISCONNECT;
    }
}
