package io.socketserve;

/**
 * An {@link EventHandler} whose payload is bound to a Java type with Jackson before it runs. When the
 * payload does not bind, the handler is not called: the client gets {@code 400 invalid_payload}
 * naming the type and the offending field (and its ack, if any, gets the same error).
 *
 * <pre>{@code
 * record SendMessage(String channel, String message) {}
 * server.on("sendMessage", SendMessage.class, (socket, msg, ack) ->
 *         socket.broadcastToRoom("channel:" + msg.channel(), "newMessage", Map.of("text", msg.message())));
 * }</pre>
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface TypedEventHandler<T> {

    void onEvent(Socket socket, T data, Ack ack) throws Exception;
}
