package io.socketserve.netty.internal;

import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * gzip/deflate for complete responses of at least {@value #THRESHOLD} bytes (polling answers, the
 * client script, pages), negotiated by {@code Accept-Encoding}. Server-Sent Events pass through
 * untouched: by default a stream frame is encoded once and the same bytes go to every recipient;
 * streams compressed on request ({@code EmbeddedServer.Builder#streamCompression}) are encoded per
 * connection by {@link io.socketserve.transport.StreamDeflater}, below this handler.
 */
final class ResponseCompressor extends HttpContentCompressor {

    static final int THRESHOLD = 1024;

    ResponseCompressor() {
        super(THRESHOLD, StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate());
    }

    @Override
    protected Result beginEncode(HttpResponse response, String acceptEncoding) throws Exception {
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && type.startsWith("text/event-stream")) {
            return null;
        }
        return super.beginEncode(response, acceptEncoding);
    }
}
