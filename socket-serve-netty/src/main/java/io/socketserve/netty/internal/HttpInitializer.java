package io.socketserve.netty.internal;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.socketserve.ServerOptions;
import io.socketserve.transport.AdminRoutes;
import io.socketserve.transport.HttpPolicy;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StaticResources;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds each connection's pipeline: codec → compressor → aggregator → request handler (the
 * slow-request guard is a timer inside {@code RequestHandler}).
 */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {

    /** Name of the HTTP codec in the pipeline; streams write their framed bytes from its context. */
    static final String CODEC = "codec";

    private final SocketEndpoint endpoint;
    private final ServerOptions options;
    private final StaticResources statics;
    private final int maxHeaderBytes;
    private final int requestTimeoutMillis;
    private final ConcurrentHashMap<EventLoop, LoopWriter> writers = new ConcurrentHashMap<>();
    private final ChannelGroup connections;
    private final int streamCompressionLevel;
    private final Drain drain;
    private final @org.jspecify.annotations.Nullable HealthRoutes health;
    private final @org.jspecify.annotations.Nullable AdminRoutes admin;

    /**
     * @param drain the graceful-shutdown state the connections share
     * @param health answers {@code /health/live}, {@code /health/ready} and {@code /metrics} (null:
     *     not served)
     * @param admin answers the admin page under {@code /admin} (null: not served, 404)
     */
    public HttpInitializer(
            SocketEndpoint endpoint,
            ServerOptions options,
            StaticResources statics,
            int maxHeaderBytes,
            int requestTimeoutMillis,
            ChannelGroup connections,
            int streamCompressionLevel,
            Drain drain,
            @org.jspecify.annotations.Nullable HealthRoutes health,
            @org.jspecify.annotations.Nullable AdminRoutes admin) {
        this.health = health;
        this.admin = admin;
        this.drain = drain;
        this.streamCompressionLevel = streamCompressionLevel;
        this.connections = connections;
        this.endpoint = endpoint;
        this.options = options;
        this.statics = statics;
        this.maxHeaderBytes = maxHeaderBytes;
        this.requestTimeoutMillis = requestTimeoutMillis;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch); // removed automatically when it closes
        LoopWriter writer = writers.computeIfAbsent(ch.eventLoop(), LoopWriter::new);
        ChannelPipeline p = ch.pipeline();
        p.addLast(CODEC, new HttpServerCodec(HttpPolicy.MAX_REQUEST_LINE_BYTES, maxHeaderBytes, 8192));
        p.addLast("compressor", new ResponseCompressor());
        p.addLast("aggregator", new JsonErrorAggregator(endpoint));
        p.addLast(
                "handler",
                new RequestHandler(
                        endpoint,
                        options,
                        statics,
                        writer,
                        requestTimeoutMillis,
                        streamCompressionLevel,
                        drain,
                        health,
                        admin));
    }
}
