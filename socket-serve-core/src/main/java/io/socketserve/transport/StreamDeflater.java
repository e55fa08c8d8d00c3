package io.socketserve.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * The gzip encoding of one Server-Sent Events stream (opt-in: {@code
 * EmbeddedServer.Builder#streamCompression}, the Servlet transport's {@code streamCompression}): one
 * deflate stream per connection, flushed after every write ({@link Deflater#SYNC_FLUSH}) so that
 * nothing is held back, a gzip header before the first bytes and the trailer (CRC-32, size) when the
 * stream ends normally. Not thread-safe: one writer at a time. Holds native zlib memory until {@link
 * #end()}.
 */
public final class StreamDeflater {

    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] buffer = new byte[8192];
    private long size;
    private boolean started;
    private boolean ended;

    /** A deflater at {@code level} (1..9). */
    public StreamDeflater(int level) {
        this.deflater = new Deflater(level, true);
    }

    /** The compressed bytes for {@code data}, flushed: the client can decode all of it at once. */
    public byte[] deflate(ByteBuffer data) {
        int length = data.remaining();
        ByteArrayOutputStream out = new ByteArrayOutputStream(length / 2 + 32);
        if (!started) {
            started = true;
            out.writeBytes(HEADER);
        }
        crc.update(data.duplicate());
        size += length;
        deflater.setInput(data);
        drain(out, Deflater.SYNC_FLUSH);
        return out.toByteArray();
    }

    /** The end of the deflate stream and the gzip trailer; {@code null} if already ended. */
    public byte @Nullable [] finish() {
        if (ended) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        if (!started) {
            started = true;
            out.writeBytes(HEADER);
        }
        deflater.finish();
        while (!deflater.finished()) {
            int n = deflater.deflate(buffer);
            out.write(buffer, 0, n);
        }
        long c = crc.getValue();
        for (int i = 0; i < 4; i++) {
            out.write((int) (c >>> (8 * i)) & 0xff);
        }
        for (int i = 0; i < 4; i++) {
            out.write((int) (size >>> (8 * i)) & 0xff);
        }
        end();
        return out.toByteArray();
    }

    private void drain(ByteArrayOutputStream out, int flush) {
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, flush);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
    }

    /** Releases the native memory. Idempotent. */
    public void end() {
        if (!ended) {
            ended = true;
            deflater.end();
        }
    }
}
