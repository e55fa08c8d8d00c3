package io.socketserve.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The graceful-shutdown state shared by the connections of one server ({@code EmbeddedServer.drain}),
 * and the count of its open event streams.
 *
 * <p>Once draining, every answer carries {@code Connection: close} and its connection closes after
 * it, so that a reverse proxy sends nothing more on it; a request that would open a stream is not
 * answered at all: its connection is closed, and a proxy retries the {@code GET} on another instance.
 */
public final class Drain {

    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile boolean draining;

    /** Whether a drain has begun. */
    public boolean draining() {
        return draining;
    }

    /** Event streams open now (their response head was written and the connection is open). */
    public int openStreams() {
        return openStreams.get();
    }

    void streamOpened(Channel channel) {
        openStreams.incrementAndGet();
        channel.closeFuture().addListener(f -> openStreams.decrementAndGet());
    }

    /**
     * Begins draining {@code connections} (the listening socket must be closed already): each open
     * stream ends cleanly with the last chunk, each idle connection closes, each request in progress
     * is answered with {@code Connection: close}.
     *
     * @return the close futures of the connections that will close once their work is done: all
     *     but long-polls, which wait for a message and are answered when the {@code SocketServer}
     *     closes
     */
    public List<ChannelFuture> begin(ChannelGroup connections) {
        draining = true;
        List<Future<@Nullable ChannelFuture>> decisions = new ArrayList<>();
        for (Channel ch : connections) {
            decisions.add(ch.eventLoop().submit(() -> {
                RequestHandler handler = ch.pipeline().get(RequestHandler.class);
                if (handler == null || handler.drain()) {
                    if (handler == null) {
                        ch.close();
                    }
                    return ch.closeFuture();
                }
                return null;
            }));
        }
        List<ChannelFuture> awaited = new ArrayList<>();
        for (Future<@Nullable ChannelFuture> decision : decisions) {
            ChannelFuture close = decision.syncUninterruptibly().getNow();
            if (close != null) {
                awaited.add(close);
            }
        }
        return awaited;
    }
}
