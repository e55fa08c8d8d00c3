package io.socketserve.transport;

import org.jspecify.annotations.Nullable;

/** One HTTP request under the endpoint's base path, as a transport hands it to the engine. */
public interface TransportRequest {

    /** Upper-case method: {@code GET}, {@code POST}, … */
    String method();

    /** The path below the base path, starting with {@code /} (e.g. {@code /connect}), without query. */
    String path();

    /** The first value of a query parameter, decoded, or {@code null}. */
    @Nullable
    String query(String name);

    /** The first value of a header (case-insensitive name), or {@code null}. */
    @Nullable
    String header(String name);

    /** The request body (empty array when none). The transport has already enforced the size limit. */
    byte[] body();

    /** The peer address, for logs and rate limits. */
    String remoteAddress();
}
