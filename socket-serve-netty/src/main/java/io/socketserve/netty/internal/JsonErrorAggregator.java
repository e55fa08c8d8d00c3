package io.socketserve.netty.internal;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
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

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(Responses.full(endpoint.payloadTooLarge(), false, null))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
