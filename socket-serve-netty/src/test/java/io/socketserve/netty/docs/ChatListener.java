package io.socketserve.netty.docs;

import io.socketserve.DisconnectReason;
import io.socketserve.OnConnect;
import io.socketserve.OnDisconnect;
import io.socketserve.OnEvent;
import io.socketserve.Socket;
import java.util.Map;
import java.util.Set;

/**
 * The example of {@code docs/api.md} ("Annotated listeners"), kept here so that the build compiles
 * it; {@code AnnotatedListenersIT} chats through it over HTTP. Change both together.
 */
public class ChatListener {

    public record Say(String room, String text) {}

    @OnConnect
    void connected(Socket socket) {
        socket.join("lobby");
        socket.emit("welcome", Map.of("id", socket.id()));
    }

    @OnEvent("join")
    Set<String> join(Socket socket, String room) { // the returned rooms answer the client's ack
        socket.join(room);
        return socket.rooms();
    }

    @OnEvent("say")
    void say(Socket socket, Say message) { // {"room":"lobby","text":"hi"}, else 400 invalid_payload
        socket.broadcastToRoom(message.room(), "said", Map.of("from", socket.id(), "text", message.text()));
    }

    @OnDisconnect
    void left(Socket socket, DisconnectReason reason) { // rooms() still lists the rooms it was in
        for (String room : socket.rooms()) {
            socket.broadcastToRoom(room, "left", Map.of("id", socket.id(), "reason", reason.wireName()));
        }
    }
}
