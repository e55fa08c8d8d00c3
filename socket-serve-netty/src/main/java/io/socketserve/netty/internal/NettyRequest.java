package io.socketserve.netty.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.socketserve.transport.TransportRequest;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A {@link TransportRequest} over an aggregated Netty request; the body is copied out once. */
final class NettyRequest implements TransportRequest {

    private final String method;
    private final String path;
    private final QueryStringDecoder query;
    private final io.netty.handler.codec.http.HttpHeaders headers;
    private final byte[] body;
    private final String remote;

    NettyRequest(FullHttpRequest request, String path, QueryStringDecoder query, String remote) {
        this.method = request.method().name();
        this.path = path;
        this.query = query;
        this.headers = request.headers();
        this.body = ByteBufUtil.getBytes(request.content());
        this.remote = remote;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public @Nullable String query(String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public @Nullable String header(String name) {
        return headers.get(name);
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String remoteAddress() {
        return remote;
    }
}
