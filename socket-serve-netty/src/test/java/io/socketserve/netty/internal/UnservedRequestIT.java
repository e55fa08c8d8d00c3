package io.socketserve.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.transport.SocketEndpoint;
import io.socketserve.transport.StaticResources;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 13, finding 1, "Errors": a request the pipeline fails on (here an {@link OutOfMemoryError}
 * thrown while its body arrives, as a full heap did in the report) is answered with a JSON error,
 * in request order, and logged at WARN, rate-limited; it used to be closed without an answer and
 * with a DEBUG line only. Real sockets, the embedded server's own pipeline plus one fault injector.
 */
class UnservedRequestIT {

    /** Throws, once the body of a request marked {@code X-Fault} starts arriving, what it names. */
    static final class FaultInjector extends ChannelInboundHandlerAdapter {
        private String fault;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                fault = r.headers().get("X-Fault");
            }
            if (msg instanceof HttpContent && fault != null) {
                String f = fault;
                fault = null;
                ReferenceCountUtil.release(msg);
                if (f.equals("oom")) {
                    throw new OutOfMemoryError("Java heap space (simulated)");
                }
                throw new io.netty.handler.codec.TooLongFrameException("simulated");
            }
            ctx.fireChannelRead(msg);
        }
    }

    private SocketServer server;
    private EventLoopGroup group;
    private Channel listener;
    private ListAppender<ILoggingEvent> logs;
    private Logger handlerLog;

    @BeforeEach
    void start() throws Exception {
        ServerOptions options = ServerOptions.defaults();
        server = SocketServer.create(options);
        SocketEndpoint endpoint = SocketEndpoint.of(server);
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        HttpInitializer init = new HttpInitializer(
                endpoint,
                options,
                new StaticResources(null, true),
                16 * 1024,
                30_000,
                connections,
                0,
                new Drain(),
                null,
                null);
        group = new NioEventLoopGroup(1);
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new io.netty.channel.ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init.initChannel(ch);
                        ch.pipeline().addAfter(HttpInitializer.CODEC, "fault", new FaultInjector());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        handlerLog = (Logger) LoggerFactory.getLogger(RequestHandler.class);
        logs = new ListAppender<>();
        logs.start();
        handlerLog.addAppender(logs);
        RequestHandler.FAILURES.reset();
    }

    @AfterEach
    void stop() {
        handlerLog.detachAppender(logs);
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    private int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Sends raw bytes, reads until the server closes; the whole response text. */
    private String exchange(String head, byte[] body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    all.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // the server closes without reading the rest of the body: fine once the answer is in
            }
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    private static String post(String fault, int bodyLength) {
        return "POST /socket/message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + "X-Fault: " + fault
                + "\r\nContent-Length: " + bodyLength + "\r\n\r\n";
    }

    private List<ILoggingEvent> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }

    @Test
    void aRequestThePipelineFailsOnIsAnswered503WithJsonAndLoggedAtWarnOnce() throws Exception {
        byte[] body = new byte[200_000];
        java.util.Arrays.fill(body, (byte) 'a');
        String first = exchange(post("oom", body.length), body);
        assertThat(first).startsWith("HTTP/1.1 503");
        assertThat(first).containsIgnoringCase("content-type: application/json");
        assertThat(first).containsIgnoringCase("retry-after: 1");
        assertThat(first).contains("\"error\":\"unavailable\"");
        assertThat(first).containsIgnoringCase("connection: close");
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().get(0).getFormattedMessage()).contains("503").contains("OutOfMemoryError");
        assertThat(warnings().get(0).getThrowableProxy()).isNotNull();

        // a flood: every request is answered, the log gets no second line within the interval
        for (int i = 0; i < 5; i++) {
            assertThat(exchange(post("oom", body.length), body)).startsWith("HTTP/1.1 503");
        }
        assertThat(warnings()).hasSize(1);

        // and the server still serves
        String ok = exchange("GET /socket/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", new byte[0]);
        assertThat(ok).doesNotStartWith("HTTP/1.1 5");
    }

    @Test
    void aTooLargeFailureIsAnswered413() throws Exception {
        byte[] body = new byte[10_000];
        String r = exchange(post("toolong", body.length), body);
        assertThat(r).startsWith("HTTP/1.1 413");
        assertThat(r).contains("\"error\":\"payload_too_large\"");
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void aPipelinedRequestBeforeTheFailedOneIsAnsweredFirst() throws Exception {
        String first = "GET /socket/nothing HTTP/1.1\r\nHost: x\r\n\r\n";
        byte[] body = new byte[1_000];
        String r = exchange(first + post("oom", body.length), body);
        int ok = r.indexOf("HTTP/1.1 ");
        int failed = r.indexOf("HTTP/1.1 503");
        assertThat(ok).isZero();
        assertThat(failed).isGreaterThan(ok);
    }
}
