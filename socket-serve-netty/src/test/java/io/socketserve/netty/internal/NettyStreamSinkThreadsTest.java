package io.socketserve.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.socketserve.transport.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyStreamSink}'s engine-facing methods ({@code bufferedBytes}, {@code writable}) run on
 * the engine's thread, so they reach the channel only through its thread-safe public methods, never
 * through {@link Channel#unsafe()}, which is for the event loop (issue 13) — and they still count
 * Netty's outbound buffer against the stream's budget.
 */
class NettyStreamSinkThreadsTest {

    private static final int MAX_BYTES = 4096;

    /**
     * An embedded channel whose test thread plays the event loop: it records every {@code unsafe()}
     * call made from another thread outside the public methods that are documented thread-safe (and
     * that Netty itself implements over {@code unsafe()}).
     */
    private static final class GuardedChannel extends EmbeddedChannel {
        final Thread loop = Thread.currentThread();
        final List<String> offLoopUnsafeCalls = new CopyOnWriteArrayList<>();
        private final ThreadLocal<Boolean> inPublicApi = ThreadLocal.withInitial(() -> false);

        @Override
        public Unsafe unsafe() {
            // null while the superclass constructor runs (it registers the channel)
            if (loop != null && Thread.currentThread() != loop && !inPublicApi.get()) {
                offLoopUnsafeCalls.add(StackWalker.getInstance()
                        .walk(frames ->
                                frames.skip(1).findFirst().map(Object::toString).orElse("?")));
            }
            return super.unsafe();
        }

        @Override
        public boolean isWritable() {
            return publicApi(super::isWritable);
        }

        @Override
        public long bytesBeforeUnwritable() {
            return publicApi(super::bytesBeforeUnwritable);
        }

        @Override
        public long bytesBeforeWritable() {
            return publicApi(super::bytesBeforeWritable);
        }

        private <T> T publicApi(Supplier<T> call) {
            inPublicApi.set(true);
            try {
                return call.get();
            } finally {
                inPublicApi.set(false);
            }
        }
    }

    private final GuardedChannel channel = new GuardedChannel();
    private final ExecutorService engine = Executors.newSingleThreadExecutor(r -> new Thread(r, "engine"));

    @AfterEach
    void close() {
        engine.shutdownNow();
        channel.finishAndReleaseAll();
    }

    private NettyStreamSink openSink() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(MAX_BYTES / 2, MAX_BYTES));
        channel.pipeline().addLast(HttpInitializer.CODEC, new HttpServerCodec());
        NettyStreamSink sink =
                new NettyStreamSink(channel, new LoopWriter(channel.eventLoop()), 60_000, MAX_BYTES, null, false, 0);
        sink.open(Frame.control("{\"event\":\"connected\"}".getBytes(StandardCharsets.UTF_8), 1000));
        channel.runPendingTasks();
        drainOutbound();
        return sink;
    }

    private void drainOutbound() {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(out);
        }
    }

    private <T> T onEngine(java.util.concurrent.Callable<T> call) throws Exception {
        return engine.submit(call).get(5, TimeUnit.SECONDS);
    }

    @Test
    void engineThreadMethodsNeverCallUnsafe() throws Exception {
        NettyStreamSink sink = openSink();
        assertThat(onEngine(sink::bufferedBytes)).isZero();
        assertThat(onEngine(sink::writable)).isTrue();
        assertThat(channel.offLoopUnsafeCalls)
                .as("unsafe() calls off the event loop")
                .isEmpty();
    }

    @Test
    void unflushedBytesInNettyCountAgainstTheBudget() throws Exception {
        NettyStreamSink sink = openSink();
        ByteBuf pending = Unpooled.buffer(1000).writeZero(1000);
        channel.write(pending); // not flushed: it stays in the outbound buffer
        long buffered = onEngine(sink::bufferedBytes);
        assertThat(buffered).isBetween(1000L, 1000L + 512); // the bytes plus Netty's per-message overhead
        assertThat(onEngine(sink::writable)).isTrue();

        channel.write(Unpooled.buffer(MAX_BYTES).writeZero(MAX_BYTES)); // past the high-water mark
        assertThat(onEngine(sink::writable)).isFalse();
        assertThat(onEngine(sink::bufferedBytes)).isGreaterThanOrEqualTo(MAX_BYTES);

        channel.flush(); // the embedded "socket" takes everything
        drainOutbound();
        assertThat(onEngine(sink::bufferedBytes)).isZero();
        assertThat(onEngine(sink::writable)).isTrue();
        assertThat(channel.offLoopUnsafeCalls)
                .as("unsafe() calls off the event loop")
                .isEmpty();
    }

    @Test
    void aClosedSinkCountsOnlyWhatIsQueued() throws Exception {
        NettyStreamSink sink = openSink();
        channel.close();
        assertThat(onEngine(sink::bufferedBytes)).isZero();
        assertThat(onEngine(sink::writable)).isFalse();
    }
}
