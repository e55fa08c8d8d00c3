package io.socketserve.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 chunked framing written by hand (RFC 9112 §7.1): {@code <hex size>CRLF<data>CRLF}, and
 * {@code 0CRLF CRLF} at the end. A stream's frames are framed once and shared by every recipient,
 * then written below the HTTP codec.
 */
final class Chunks {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final ByteBuf LAST = Unpooled.unreleasableBuffer(Unpooled.directBuffer(5)
            .writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnly());

    private Chunks() {}

    /** One chunk holding {@code data}, in a new direct buffer. */
    static ByteBuf chunk(ByteBufAllocator alloc, ByteBuffer data) {
        int length = data.remaining();
        byte[] size = Integer.toHexString(length).getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = alloc.directBuffer(size.length + 2 + length + 2);
        return b.writeBytes(size).writeBytes(CRLF).writeBytes(data).writeBytes(CRLF);
    }

    /** The last chunk (shared, never released). */
    static ByteBuf last() {
        return LAST.duplicate();
    }
}
