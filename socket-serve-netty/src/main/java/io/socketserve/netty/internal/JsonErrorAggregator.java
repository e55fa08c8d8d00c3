package io.socketserve.netty.internal;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.socketserve.transport.SocketEndpoint;

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

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(Responses.full(endpoint.payloadTooLarge(), false, null))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
