package io.socketserve.internal;

import io.socketserve.JoinAuthorizer;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The handler registry: which {@link Handlers} each namespace runs. Static namespaces are created by
 * the application ({@code server.of("/chat")}); a dynamic one ({@code server.of(predicate)}) lends
 * its handlers to every name it matches, without remembering those names, so that clients cannot
 * grow the server's memory by inventing them.
 */
final class Namespaces {

    private static final Handlers EMPTY = new Handlers();

    /** A dynamic namespace: the names it matches and the handlers they share. */
    record Dynamic(String description, Predicate<String> matcher, Handlers handlers) {}

    private final Handlers root = new Handlers();
    private final ConcurrentHashMap<String, Handlers> byName = new ConcurrentHashMap<>();
    private final List<Dynamic> dynamic = new CopyOnWriteArrayList<>();

    Namespaces() {
        byName.put("/", root);
    }

    Handlers root() {
        return root;
    }

    /** The handlers of a static namespace, created on first use (or borrowed from a dynamic match). */
    Handlers staticNamespace(String name) {
        RoomKeys.validateNamespace(name);
        return byName.computeIfAbsent(name, n -> {
            Dynamic parent = dynamicMatch(n);
            return parent != null ? parent.handlers() : new Handlers();
        });
    }

    /** Adds a dynamic namespace. */
    Dynamic dynamicNamespace(Predicate<String> matcher) {
        Objects.requireNonNull(matcher, "matcher == null");
        Dynamic d = new Dynamic("dynamic namespace #" + (dynamic.size() + 1), matcher, new Handlers());
        dynamic.add(d);
        return d;
    }

    private @Nullable Dynamic dynamicMatch(String name) {
        for (Dynamic d : dynamic) {
            if (d.matcher().test(name)) {
                return d;
            }
        }
        return null;
    }

    /** The handlers a client asking for {@code name} gets; {@code null} if no namespace serves it. */
    @Nullable
    Handlers resolve(String name) {
        Handlers h = byName.get(name);
        if (h != null) {
            return h;
        }
        Dynamic parent = dynamicMatch(name);
        return parent == null ? null : parent.handlers();
    }

    /** The handlers a session of {@code namespace} runs (empty ones if the namespace is gone). */
    Handlers handlers(String namespace) {
        Handlers h = resolve(namespace);
        return h != null ? h : EMPTY;
    }

    /** Throws {@code forbidden_room} (403) unless the namespace's authorizer lets {@code socket} join. */
    void checkJoin(Socket socket, String room) {
        JoinAuthorizer authorizer = handlers(socket.namespace()).joinAuthorizer;
        if (authorizer == null) {
            return;
        }
        boolean allowed;
        try {
            allowed = authorizer.mayJoin(socket, room);
        } catch (SocketServeException e) {
            throw e;
        } catch (Exception e) {
            throw new SocketServeException("forbidden_room", "joining '" + room + "' was refused", 403, e);
        }
        if (!allowed) {
            throw new SocketServeException("forbidden_room", "not allowed to join '" + room + "'", 403);
        }
    }
}
