package io.socketserve.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Classpath files served at the root: the browser client at {@code /socket-serve.js} and, when a root
 * folder is configured, static pages. Paths with {@code ..}, backslashes or control characters are
 * never looked up. Files are read once and kept. Shared by every transport, so that each serves the
 * same bytes with the same content types.
 *
 * @since 0.2
 */
public final class StaticResources {

    private static final String CLIENT_DIR = "io/socketserve/client/";

    /** A file to serve. */
    public record Resource(byte[] body, String contentType) {}

    private final @Nullable String root;
    private final boolean serveClient;
    private final Map<String, Resource> cache = new ConcurrentHashMap<>();
    private static final Resource MISSING = new Resource(new byte[0], "");

    /**
     * @param root classpath folder served at {@code /} ({@code null}: none)
     * @param serveClient whether {@code /socket-serve.js} and {@code /socket-serve.d.ts} are served
     */
    public StaticResources(@Nullable String root, boolean serveClient) {
        this.root = root == null ? null : trimSlashes(root);
        this.serveClient = serveClient;
    }

    private static String trimSlashes(String s) {
        String out = s;
        while (out.startsWith("/")) {
            out = out.substring(1);
        }
        while (out.endsWith("/")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }

    /** The file at a request path, or {@code null}. */
    @Nullable
    public Resource find(String path) {
        if (!safe(path)) {
            return null;
        }
        Resource cached = cache.get(path);
        if (cached != null) {
            return cached;
        }
        Resource r = load(path);
        if (r == MISSING) {
            return null; // misses are not remembered: clients must not be able to grow this map
        }
        cache.put(path, r);
        return r;
    }

    private Resource load(String path) {
        if (serveClient && (path.equals("/socket-serve.js") || path.equals("/socket-serve.d.ts"))) {
            Resource r = read(CLIENT_DIR + path.substring(1));
            if (r != null) {
                return r;
            }
        }
        if (root == null) {
            return MISSING;
        }
        String file = path.equals("/") ? "/index.html" : path;
        Resource r = read(root + file);
        return r == null ? MISSING : r;
    }

    private static @Nullable Resource read(String name) {
        ClassLoader cl = StaticResources.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            return new Resource(in.readAllBytes(), contentType(name));
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean safe(String path) {
        if (!path.startsWith("/") || path.contains("..") || path.contains("//") || path.contains("\\")) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) < 0x20) {
                return false;
            }
        }
        return path.length() < 512;
    }

    /** The content type for a file name, by its extension. */
    public static String contentType(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (n.endsWith(".js") || n.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        } else if (n.endsWith(".d.ts") || n.endsWith(".ts")) {
            return "text/plain; charset=utf-8";
        } else if (n.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (n.endsWith(".json")) {
            return "application/json; charset=utf-8";
        } else if (n.endsWith(".svg")) {
            return "image/svg+xml";
        } else if (n.endsWith(".png")) {
            return "image/png";
        } else if (n.endsWith(".ico")) {
            return "image/x-icon";
        }
        return "application/octet-stream";
    }
}
