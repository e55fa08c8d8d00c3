package io.socketserve.internal;

import io.socketserve.spi.Backend;

/**
 * The parts a {@link SocketImpl}, a {@link BroadcastOperatorImpl} or a {@link NamespaceImpl} acts
 * through — a parameter object of narrow collaborators, each with one job, built once by {@link
 * DefaultSocketServer}. Nothing here refers back to the server.
 */
final class SocketServices {

    final Backend backend;
    final Json json;
    final Blocking blocking;
    final RoomKeys roomKeys;
    final Namespaces namespaces;
    final Publisher publisher;
    final Membership membership;
    final Presence presence;
    final AckRegistry acks;
    final Sessions sessions;
    final History history;

    SocketServices(
            Backend backend,
            Json json,
            Blocking blocking,
            RoomKeys roomKeys,
            Namespaces namespaces,
            Publisher publisher,
            Membership membership,
            Presence presence,
            AckRegistry acks,
            History history,
            KeyedSerialExecutor perSession) {
        this.backend = backend;
        this.json = json;
        this.blocking = blocking;
        this.roomKeys = roomKeys;
        this.namespaces = namespaces;
        this.publisher = publisher;
        this.membership = membership;
        this.presence = presence;
        this.acks = acks;
        this.history = history;
        // The disconnect listeners see a socket that can still broadcast (its "user left" message):
        // built from these same services once they exist.
        this.sessions =
                new Sessions(backend, presence, namespaces, perSession, removed -> SocketImpl.ended(this, removed));
    }
}
