package io.socketserve.client;

/** How the client receives server → client messages. */
public enum Transport {
    /** Server-Sent Events: one long-lived {@code GET {base}/sse} (the default). */
    SSE,
    /** Long-polling: {@code GET {base}/sse?transport=polling&after=<position>&wait=<ms>} in a loop. */
    POLLING
}
