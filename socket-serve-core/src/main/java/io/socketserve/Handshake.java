package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a client presented when it connected: seen by {@link ConnectionMiddleware}, which accepts it
 * (optionally attaching attributes such as the authenticated user) or rejects it.
 *
 * <p>Attributes set here are stored with the session and readable on every instance through {@link
 * Socket#attributes()}; they cannot change afterwards.
 */
public interface Handshake {

    /** A request header (case-insensitive), or {@code null}. */
    @Nullable
    String header(String name);

    /** A cookie of the {@code Cookie} header, or {@code null}. */
    @Nullable
    String cookie(String name);

    /** A query parameter of the connect request, or {@code null}. */
    @Nullable
    String query(String name);

    /** The client's {@code auth} payload ({@code {}} when it sent none). */
    JsonNode auth();

    /**
     * The client's address: the peer address, or the first address of {@link
     * ServerOptions#clientAddressHeader()} when configured (behind a trusted proxy).
     */
    String remoteAddress();

    /** The namespace the client asked for ({@code "/"} by default). */
    String namespace();

    /**
     * Attaches an attribute to the session being created (at most 64 keys, 4 KiB each; names starting
     * with {@code $} are reserved for the server).
     */
    void attribute(String key, String value);

    /** The attributes attached so far. */
    Map<String, String> attributes();
}
