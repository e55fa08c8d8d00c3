package io.socketserve.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.TransportResponse;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link TransportResponse}s into Netty responses with the headers every answer carries
 * ({@link HttpPolicy#responseHeaders}).
 */
final class Responses {

    private Responses() {}

    static FullHttpResponse full(TransportResponse r, boolean keepAlive, @Nullable Map<String, String> cors) {
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        HttpPolicy.responseHeaders(r, cors).forEach((k, v) -> res.headers().set(k, v));
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return res;
    }
}
