package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.DisconnectReason;
import io.socketserve.RemoteSocket;
import io.socketserve.spi.SessionSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/** A {@link RemoteSocket}: a snapshot read in one backend round trip, acting through the log. */
final class RemoteSocketImpl implements RemoteSocket {

    /** Attribute keys the server itself stores with a session (reserved: applications cannot set them). */
    static final String ADDRESS_ATTRIBUTE = "$address";

    static final String HEADER_ATTRIBUTE_PREFIX = "$h:";

    private final SocketServices services;
    private final SessionSnapshot snapshot;

    RemoteSocketImpl(SocketServices services, SessionSnapshot snapshot) {
        this.services = services;
        this.snapshot = snapshot;
    }

    @Override
    public String id() {
        return snapshot.session().id();
    }

    @Override
    public String namespace() {
        return snapshot.session().namespace();
    }

    @Override
    public Set<String> rooms() {
        Set<String> out = new LinkedHashSet<>();
        for (String key : snapshot.rooms()) {
            out.add(RoomKeys.roomName(namespace(), key));
        }
        return Collections.unmodifiableSet(out);
    }

    @Override
    public HandshakeInfo handshake() {
        Map<String, String> all = snapshot.session().attributes();
        Map<String, String> headers = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(HEADER_ATTRIBUTE_PREFIX)) {
                headers.put(k.substring(HEADER_ATTRIBUTE_PREFIX.length()), v);
            }
        });
        String address = all.getOrDefault(ADDRESS_ATTRIBUTE, "");
        return new HandshakeInfo(address, headers, applicationAttributes(all));
    }

    /** The attributes the application attached (the server's own, {@code $}-prefixed, left out). */
    static Map<String, String> applicationAttributes(Map<String, String> all) {
        boolean any = false;
        for (String k : all.keySet()) {
            if (k.startsWith("$")) {
                any = true;
                break;
            }
        }
        if (!any) {
            return all;
        }
        Map<String, String> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (!k.startsWith("$")) {
                out.put(k, v);
            }
        });
        return Map.copyOf(out);
    }

    @Override
    public Map<String, JsonNode> data() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        snapshot.data()
                .forEach((k, v) ->
                        out.put(k, services.json.readStored(v, "session data '" + k + "' of session " + id())));
        return Collections.unmodifiableMap(out);
    }

    @Override
    public Instant connectedSince() {
        return Instant.ofEpochMilli(snapshot.session().createdMillis());
    }

    @Override
    public CompletionStage<Void> emit(String event, @Nullable Object data) {
        return services.onHandlers(
                services.publisher.publish(OutboundMessage.toSession(namespace(), id(), event, data, null), null));
    }

    @Override
    public CompletionStage<Void> join(String... rooms) {
        List<CompletableFuture<Void>> joins = new ArrayList<>();
        for (String room : rooms) {
            joins.add(services.membership.join(id(), namespace(), room).toCompletableFuture());
        }
        return services.onHandlers(CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)));
    }

    @Override
    public CompletionStage<Void> leave(String... rooms) {
        List<CompletableFuture<Void>> leaves = new ArrayList<>();
        for (String room : rooms) {
            leaves.add(services.membership.leave(id(), namespace(), room).toCompletableFuture());
        }
        return services.onHandlers(CompletableFuture.allOf(leaves.toArray(CompletableFuture[]::new)));
    }

    @Override
    public CompletionStage<Void> disconnect() {
        return services.onHandlers(
                services.sessions.end(id(), DisconnectReason.SERVER_DISCONNECT).thenApply(removed -> null));
    }

    @Override
    public String toString() {
        return "RemoteSocket[" + id() + " " + namespace() + "]";
    }
}
