package io.socketserve;

/**
 * Decides whether a socket may join a room (the seed's private rooms). Consulted by {@link
 * Socket#join}; a denial makes {@code join} throw {@link SocketServeException} with code {@code
 * forbidden_room} (status 403) — never a silent no-op. Server-side operations ({@code
 * server.in(room).socketsJoin(…)}) are the application's own decision and are not checked.
 *
 * <pre>{@code
 * server.authorizeJoin((socket, room) -> !room.startsWith("private:")
 *         || invited(room).contains(socket.id()));
 * }</pre>
 */
@FunctionalInterface
public interface JoinAuthorizer {

    boolean mayJoin(Socket socket, String room) throws Exception;
}
