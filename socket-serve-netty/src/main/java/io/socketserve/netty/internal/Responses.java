package io.socketserve.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.socketserve.transport.TransportResponse;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Turns {@link TransportResponse}s into Netty responses with the headers every answer carries. */
final class Responses {

    static final String PROTOCOL_HEADER = "X-Socket-Serve-Protocol";

    private Responses() {}

    static FullHttpResponse full(TransportResponse r, boolean keepAlive, @Nullable Map<String, String> cors) {
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
                .set(PROTOCOL_HEADER, "1")
                .set("X-Content-Type-Options", "nosniff");
        if (!res.headers().contains(HttpHeaderNames.CACHE_CONTROL)) {
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        }
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        if (cors != null) {
            cors.forEach((k, v) -> res.headers().set(k, v));
        }
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return res;
    }
}
