package io.socketserve.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.group.ChannelGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The graceful-shutdown state shared by the connections of one server ({@code EmbeddedServer.drain}),
 * and the count of its open event streams.
 *
 * <p>Once draining, every answer carries {@code Connection: close} and its connection closes after
 * it, so that a reverse proxy sends nothing more on it; a request that arrives then is answered
 * {@code 503} with {@code Retry-After} (requests pipelined behind one in progress included).
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
     * stream ends with the shutdown frame ({@code __reconnect}) and the last chunk, each waiting
     * long-poll is answered at once with that frame, each request in progress is answered with
     * {@code Connection: close} when it finishes, each idle connection is closed at once.
     *
     * @return the close futures of the connections
     */
    public List<ChannelFuture> begin(ChannelGroup connections) {
        draining = true;
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                RequestHandler handler = ch.pipeline().get(RequestHandler.class);
                if (handler != null) {
                    handler.drain();
                } else {
                    ch.close();
                }
            });
            closing.add(ch.closeFuture());
        }
        return closing;
    }
}
