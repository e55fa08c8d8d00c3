package io.socketserve.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary encoding of {@link LogEntry}: a version byte, a kind byte, the time, then the fields. Small
 * and fast to decode, since every instance decodes every entry. Strings are modified UTF-8 ({@link
 * DataOutputStream#writeUTF}); room and event names are far below its 64 KiB limit.
 */
final class EntryCodec {

    static final int VERSION = 1;
    private static final int MESSAGE = 1;
    private static final int JOIN = 2;
    private static final int LEAVE = 3;
    private static final int DISCONNECT = 4;
    private static final int ACK_REPLY = 5;

    private EntryCodec() {}

    static byte[] encode(LogEntry entry) {
        ByteArrayOutputStream bytes =
                new ByteArrayOutputStream(entry instanceof LogEntry.Message m ? m.frame().length + 64 : 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            if (entry instanceof LogEntry.Message m) {
                out.writeByte(MESSAGE);
                out.writeLong(m.time());
                out.writeUTF(m.namespace());
                out.writeByte(m.type().ordinal());
                writeList(out, m.targets());
                writeList(out, m.exceptRooms());
                writeList(out, m.exceptSessions());
                out.writeBoolean(m.isVolatile());
                out.writeInt(m.frame().length);
                out.write(m.frame());
            } else if (entry instanceof LogEntry.Join j) {
                out.writeByte(JOIN);
                out.writeLong(j.time());
                out.writeUTF(j.session());
                out.writeUTF(j.room());
            } else if (entry instanceof LogEntry.Leave l) {
                out.writeByte(LEAVE);
                out.writeLong(l.time());
                out.writeUTF(l.session());
                out.writeUTF(l.room());
            } else if (entry instanceof LogEntry.Disconnect d) {
                out.writeByte(DISCONNECT);
                out.writeLong(d.time());
                out.writeUTF(d.session());
                out.writeUTF(d.reason());
            } else if (entry instanceof LogEntry.AckReply a) {
                out.writeByte(ACK_REPLY);
                out.writeLong(a.time());
                out.writeUTF(a.session());
                out.writeUTF(a.messageId());
                out.writeInt(a.data().length);
                out.write(a.data());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes an entry.
     *
     * @throws IllegalArgumentException for bytes that are not an entry of a known version
     */
    static LogEntry decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown log entry version " + version);
            }
            int kind = in.readUnsignedByte();
            long time = in.readLong();
            return switch (kind) {
                case MESSAGE -> {
                    String ns = in.readUTF();
                    LogEntry.TargetType type = LogEntry.TargetType.values()[in.readUnsignedByte()];
                    List<String> targets = readList(in);
                    List<String> exceptRooms = readList(in);
                    List<String> exceptSessions = readList(in);
                    boolean isVolatile = in.readBoolean();
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    yield new LogEntry.Message(time, ns, type, targets, exceptRooms, exceptSessions, isVolatile, frame);
                }
                case JOIN -> new LogEntry.Join(time, in.readUTF(), in.readUTF());
                case LEAVE -> new LogEntry.Leave(time, in.readUTF(), in.readUTF());
                case DISCONNECT -> new LogEntry.Disconnect(time, in.readUTF(), in.readUTF());
                case ACK_REPLY -> {
                    String session = in.readUTF();
                    String messageId = in.readUTF();
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    yield new LogEntry.AckReply(time, session, messageId, data);
                }
                default -> throw new IllegalArgumentException("unknown log entry kind " + kind);
            };
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("corrupt log entry", e);
        }
    }

    private static void writeList(DataOutputStream out, List<String> list) throws IOException {
        out.writeShort(list.size());
        for (String s : list) {
            out.writeUTF(s);
        }
    }

    private static List<String> readList(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        if (n == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return List.copyOf(out);
    }
}
