package io.socketserve.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.TransportResponse;

/**
 * {@link HttpObjectAggregator} whose oversized-request answer is the protocol's JSON {@code 413
 * payload_too_large} instead of an empty body. The connection is closed afterwards: the rest of
 * the oversized body is not read.
 */
final class JsonErrorAggregator extends HttpObjectAggregator {

    private final SocketEndpoint endpoint;

    JsonErrorAggregator(SocketEndpoint endpoint) {
        super(endpoint.maxPayloadBytes(), true);
        this.endpoint = endpoint;
    }

    /**
     * Expectation answers as JSON too: {@code 417} for an unsupported {@code Expect}, {@code 413}
     * for {@code Expect: 100-continue} with a declared body over the limit.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
        if (answer instanceof FullHttpResponse res && res.status().code() >= 400) {
            int status = res.status().code();
            res.release();
            TransportResponse error = status == 413
                    ? endpoint.payloadTooLarge()
                    : TransportResponse.error(status, "expectation_failed", "unsupported Expect header");
            return Responses.full(error, false, null);
        }
        return answer;
    }

    /**
     * Passes a bodiless request marked {@link PayloadTooLarge} on to the request handler, which
     * answers it in request order (a pipelined request before it may still be unanswered) and closes.
     */
    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.writeAndFlush(Responses.full(endpoint.payloadTooLarge(), false, null))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        DefaultFullHttpRequest marker = new DefaultFullHttpRequest(
                request.protocolVersion(), request.method(), request.uri(), Unpooled.EMPTY_BUFFER);
        marker.headers().set(request.headers());
        marker.setDecoderResult(DecoderResult.failure(new PayloadTooLarge()));
        ctx.fireChannelRead(marker);
    }

    /** The decoder result of a request whose body is over the limit. */
    static final class PayloadTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PayloadTooLarge() {
            super("payload too large", null, false, false);
        }
    }
}
