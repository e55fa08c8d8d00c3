package io.socketserve.client;

import com.fasterxml.jackson.databind.JsonNode;

/** Receives the messages of one event name. */
@FunctionalInterface
public interface EventListener {

    /**
     * @param data the payload ({@code NullNode} when there is none); {@code {"$binary": …}} values are
     *     already decoded into {@link com.fasterxml.jackson.databind.node.BinaryNode}s
     * @param ack answers the server when it asked for an acknowledgement
     * @throws Exception logged, never propagated to the client
     */
    void onEvent(JsonNode data, Ack ack) throws Exception;
}
