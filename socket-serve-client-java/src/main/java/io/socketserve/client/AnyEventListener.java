package io.socketserve.client;

import com.fasterxml.jackson.databind.JsonNode;

/** Receives every event the server sends (not the connection-state events). */
@FunctionalInterface
public interface AnyEventListener {

    /**
     * @param event the event name
     * @param data the payload, binary values decoded
     * @throws Exception logged, never propagated to the client
     */
    void onEvent(String event, JsonNode data) throws Exception;
}
