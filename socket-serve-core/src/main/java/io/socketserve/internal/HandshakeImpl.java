package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.socketserve.Handshake;
import io.socketserve.transport.TransportRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The {@code /connect} request as middleware sees it. */
final class HandshakeImpl implements Handshake {

    private static final int MAX_ATTRIBUTES = 64;
    private static final int MAX_KEY = 128;
    private static final int MAX_VALUE = 4096;

    private final TransportRequest request;
    private final JsonNode auth;
    private final String address;
    private final String namespace;
    private final Map<String, String> attributes = new LinkedHashMap<>();

    HandshakeImpl(TransportRequest request, @Nullable JsonNode auth, String address, String namespace) {
        this.request = request;
        this.auth = auth != null && auth.isObject() ? auth : JsonNodeFactory.instance.objectNode();
        this.address = address;
        this.namespace = namespace;
    }

    @Override
    public @Nullable String header(String name) {
        return request.header(name);
    }

    @Override
    public @Nullable String cookie(String name) {
        String header = request.header("Cookie");
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
                return part.substring(eq + 1).trim();
            }
        }
        return null;
    }

    @Override
    public @Nullable String query(String name) {
        return request.query(name);
    }

    @Override
    public JsonNode auth() {
        return auth;
    }

    @Override
    public String remoteAddress() {
        return address;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public synchronized void attribute(String key, String value) {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(value, "value == null");
        if (key.startsWith("$")) {
            throw new IllegalArgumentException("attribute names starting with '$' are reserved: " + key);
        }
        if (key.length() > MAX_KEY || value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("attribute too long (key ≤ " + MAX_KEY + ", value ≤ " + MAX_VALUE + ")");
        }
        if (!attributes.containsKey(key) && attributes.size() >= MAX_ATTRIBUTES) {
            throw new IllegalArgumentException("at most " + MAX_ATTRIBUTES + " attributes");
        }
        attributes.put(key, value);
    }

    @Override
    public synchronized Map<String, String> attributes() {
        return Map.copyOf(attributes);
    }
}
