package io.socketserve.netty.docs;

import io.socketserve.BroadcastAckTimeoutException;
import io.socketserve.EventHandler;
import io.socketserve.ExceptionHandler;
import io.socketserve.RemoteSocket;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.netty.EmbeddedServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The examples of {@code docs/api.md}, verbatim, so that the build compiles them; {@link
 * DocSnippetsTest} checks that every Java block of the guide appears in this folder. Change both
 * together. (Compiled, not run.)
 */
@SuppressWarnings({"unused", "CodeBlock2Expr"})
abstract class ApiExamples {

    private static final Logger log = LoggerFactory.getLogger(ApiExamples.class);

    record Vote(String choice) {}

    abstract void tally(List<?> answers);

    abstract void tallyVotes(List<Vote> votes);

    void socketIdsAreRooms(SocketServer server, String socketId, Object move, String text) {
        server.to(socketId).emit("dm", Map.of("from", "support", "text", "hello"));
        server.to("game:42").except(socketId).emit("moved", move);
        server.except("muted").emit("announcement", text); // everyone but the muted room
    }

    void fetchSockets(SocketServer server) {
        server.in("room:42").fetchSockets().thenAccept(sockets -> {
            for (RemoteSocket s : sockets) {
                if ("banned".equals(s.handshake().attributes().get("status"))) {
                    s.disconnect();
                }
            }
        });
        CompletionStage<List<RemoteSocket>> everyone = server.fetchSockets();
        CompletionStage<List<RemoteSocket>> inChat =
                server.of("/chat").in("general").fetchSockets();
    }

    void broadcastAcks(SocketServer server, Object question) {
        server.to("voters")
                .timeout(Duration.ofSeconds(5))
                .emitWithAck("vote?", question, Vote.class)
                .whenComplete((votes, error) -> {
                    if (error instanceof CompletionException e
                            && e.getCause() instanceof BroadcastAckTimeoutException late) {
                        tally(late.answers()); // the votes that came in time
                    } else if (error == null) {
                        tallyVotes(votes);
                    }
                });
    }

    void batched(SocketServer server) {
        server.in("lobby").socketsJoin("announcements");
        server.except("admins").disconnectSockets();
        server.in("game:42").socketsLeaveAsync("game:42").thenRun(() -> log.info("game closed"));
    }

    void async(Socket socket) {
        CompletableFuture.allOf(
                        socket.joinAsync("a").toCompletableFuture(),
                        socket.joinAsync("b").toCompletableFuture())
                .thenCompose(v -> socket.roomsAsync())
                .thenAccept(rooms -> socket.emit("rooms", rooms));
    }

    void lifecycle(SocketServer server) {
        EventHandler typing = (socket, data, ack) -> socket.broadcast().emit("typing", socket.id());
        server.on("typing", typing);
        server.off("typing", typing); // only if it is still that handler
        server.off("typing"); // whatever handler it is

        server.onAny((socket, event, data) -> log.debug("{} sent {}", socket.id(), event));
        server.onUnhandled((socket, data, ack) -> ack.send(Map.of("error", "unknown event")));
    }

    void errors(SocketServer server) {
        server.exceptionHandler(failure -> {
            if (failure.error() instanceof IllegalArgumentException e) {
                return new SocketServeException("bad_request", e.getMessage(), 400);
            }
            return ExceptionHandler.DEFAULT.handle(failure);
        });
    }

    void register() {
        SocketServer server = SocketServer.create();
        server.register(new ChatListener());
        EmbeddedServer.start(server, 8080);
    }
}
