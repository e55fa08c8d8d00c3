package io.socketserve.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.socketserve.spi.BatchEntries;
import io.socketserve.spi.MembershipChange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Binary encoding of {@link LogEntry}: a version byte, a kind byte, the time, then the fields. Small
 * and fast to decode, since every instance decodes every entry. Strings are modified UTF-8 ({@link
 * DataOutputStream#writeUTF}); room and event names are far below its 64 KiB limit.
 *
 * <p>The batch entries ({@link LogEntry.MembershipBatch}, {@link LogEntry.DisconnectBatch}) are
 * written by the backend, which alone knows the sessions a selection holds: the engine hands it the
 * header ({@link #membershipBatchPrefix}, {@link #disconnectBatchPrefix}: version, kind, time) and
 * the backend appends UTF-8 JSON as {@link BatchEntries} describes.
 */
final class EntryCodec {

    static final int VERSION = 1;
    private static final int MESSAGE = 1;
    private static final int JOIN = 2;
    private static final int LEAVE = 3;
    private static final int DISCONNECT = 4;
    private static final int ACK_REPLY = 5;
    private static final int MEMBERSHIP_BATCH = 6;
    private static final int DISCONNECT_BATCH = 7;
    /** Version, kind and time: where the JSON body of a batch entry starts. */
    private static final int HEADER_LENGTH = 10;

    private static final JsonFactory JSON = new JsonFactory();

    private EntryCodec() {}

    /** The header the backend puts before the JSON of a membership batch written at {@code time}. */
    static byte[] membershipBatchPrefix(long time) {
        return header(MEMBERSHIP_BATCH, time);
    }

    /** The header the backend puts before the JSON of a removal batch written at {@code time}. */
    static byte[] disconnectBatchPrefix(long time) {
        return header(DISCONNECT_BATCH, time);
    }

    private static byte[] header(int kind, long time) {
        byte[] out = new byte[HEADER_LENGTH];
        out[0] = VERSION;
        out[1] = (byte) kind;
        for (int i = 0; i < 8; i++) {
            out[2 + i] = (byte) (time >>> (56 - 8 * i)); // as DataOutputStream.writeLong
        }
        return out;
    }

    static byte[] encode(LogEntry entry) {
        if (entry instanceof LogEntry.Lost) {
            throw new IllegalArgumentException("a Lost marker is never written to the log");
        }
        if (entry instanceof LogEntry.MembershipBatch b) {
            return BatchEntries.membership(membershipBatchPrefix(b.time()), b.changes());
        }
        if (entry instanceof LogEntry.DisconnectBatch b) {
            return BatchEntries.removal(disconnectBatchPrefix(b.time()), b.sessions(), b.reason());
        }
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
                case MEMBERSHIP_BATCH -> new LogEntry.MembershipBatch(time, changes(bytes));
                case DISCONNECT_BATCH -> disconnects(time, bytes);
                default -> throw new IllegalArgumentException("unknown log entry kind " + kind);
            };
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("corrupt log entry", e);
        }
    }

    private static JsonParser body(byte[] bytes) throws IOException {
        JsonParser p = JSON.createParser(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
        expect(p.nextToken(), JsonToken.START_OBJECT);
        return p;
    }

    /** {@code {"c":[["session","room",true],…]}}, keys in any order, unknown keys ignored. */
    private static List<MembershipChange> changes(byte[] bytes) throws IOException {
        List<MembershipChange> out = null;
        try (JsonParser p = body(bytes)) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!"c".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                expect(value, JsonToken.START_ARRAY);
                out = new ArrayList<>();
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    String session = text(p);
                    String room = text(p);
                    JsonToken joined = p.nextToken();
                    if (joined != JsonToken.VALUE_TRUE && joined != JsonToken.VALUE_FALSE) {
                        throw new IllegalArgumentException("corrupt membership batch: " + joined);
                    }
                    expect(p.nextToken(), JsonToken.END_ARRAY);
                    out.add(new MembershipChange(session, room, joined == JsonToken.VALUE_TRUE));
                }
                expect(p.currentToken(), JsonToken.END_ARRAY);
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("corrupt membership batch: no \"c\"");
        }
        return out;
    }

    /** {@code {"r":"reason","s":["session",…]}}, keys in any order, unknown keys ignored. */
    private static LogEntry.DisconnectBatch disconnects(long time, byte[] bytes) throws IOException {
        String reason = null;
        List<String> sessions = null;
        try (JsonParser p = body(bytes)) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("r".equals(field)) {
                    expect(value, JsonToken.VALUE_STRING);
                    reason = p.getText();
                } else if ("s".equals(field)) {
                    expect(value, JsonToken.START_ARRAY);
                    sessions = new ArrayList<>();
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        sessions.add(p.getText());
                    }
                    expect(p.currentToken(), JsonToken.END_ARRAY);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (reason == null || sessions == null) {
            throw new IllegalArgumentException("corrupt disconnect batch");
        }
        return new LogEntry.DisconnectBatch(time, sessions, reason);
    }

    private static String text(JsonParser p) throws IOException {
        expect(p.nextToken(), JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static void expect(@Nullable JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("corrupt batch entry: " + actual + " where " + expected + " belongs");
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
