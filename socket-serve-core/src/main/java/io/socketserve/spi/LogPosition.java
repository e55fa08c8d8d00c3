package io.socketserve.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * A position in a partitioned log ({@link LogStore#partitions()}): one {@code long} per partition,
 * each with the meaning of a single log's position (0 = before everything). Immutable.
 *
 * <p>The compact text form ({@link #encode()}, {@link #parse}) is what clients see as SSE {@code
 * id:}, send back as {@code Last-Event-ID} and get as a poll's {@code position}: with one
 * partition it is the position in decimal, exactly as before partitions existed; with more, the
 * components in base 36 (lower case), joined by {@code '.'}, partition 0 first (for example {@code
 * "1z.0.a3.4"}). Clients treat it as an opaque string.
 *
 * @since 0.7
 */
public final class LogPosition {

    private static final LogPosition[] ZEROS = new LogPosition[8];

    private final long[] components;

    private LogPosition(long[] components) {
        this.components = components;
    }

    /** A position with the given components, one per partition (at least one, none negative). */
    public static LogPosition of(long... components) {
        Objects.requireNonNull(components, "components == null");
        Partitions.check(components.length);
        for (long c : components) {
            if (c < 0) {
                throw new IllegalArgumentException("negative position: " + c);
            }
        }
        return new LogPosition(components.clone());
    }

    /** The start of a log with {@code partitions} partitions: every component 0. */
    public static LogPosition zero(int partitions) {
        Partitions.check(partitions);
        if (partitions < ZEROS.length) {
            LogPosition z = ZEROS[partitions];
            if (z == null) {
                z = new LogPosition(new long[partitions]);
                ZEROS[partitions] = z;
            }
            return z;
        }
        return new LogPosition(new long[partitions]);
    }

    /** The number of partitions. */
    public int partitions() {
        return components.length;
    }

    /** The component of {@code partition}. */
    public long get(int partition) {
        return components[partition];
    }

    /** The components, a copy. */
    public long[] toArray() {
        return components.clone();
    }

    /** The only component of a single-partition position. */
    public long single() {
        if (components.length != 1) {
            throw new IllegalStateException("a position over " + components.length + " partitions has no single value");
        }
        return components[0];
    }

    /** This position with {@code partition}'s component set to {@code position}. */
    public LogPosition with(int partition, long position) {
        if (components[partition] == position) {
            return this;
        }
        long[] c = components.clone();
        c[partition] = position;
        return new LogPosition(c);
    }

    /** Whether every component is at least the other's (same partition count). */
    public boolean covers(LogPosition other) {
        sameSize(other);
        for (int i = 0; i < components.length; i++) {
            if (components[i] < other.components[i]) {
                return false;
            }
        }
        return true;
    }

    /** The component-wise maximum (same partition count). */
    public LogPosition max(LogPosition other) {
        sameSize(other);
        if (covers(other)) {
            return this;
        }
        if (other.covers(this)) {
            return other;
        }
        long[] c = new long[components.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Math.max(components[i], other.components[i]);
        }
        return new LogPosition(c);
    }

    private void sameSize(LogPosition other) {
        if (other.components.length != components.length) {
            throw new IllegalArgumentException(
                    "positions over " + components.length + " and " + other.components.length + " partitions");
        }
    }

    /** The text form: decimal for one partition, base-36 components joined by {@code '.'} for more. */
    public String encode() {
        if (components.length == 1) {
            return Long.toString(components[0]);
        }
        StringBuilder s = new StringBuilder(components.length * 4);
        for (int i = 0; i < components.length; i++) {
            if (i > 0) {
                s.append('.');
            }
            s.append(Long.toString(components[i], 36));
        }
        return s.toString();
    }

    /**
     * Parses the text form of a position over {@code partitions} partitions, strictly: exactly that
     * many components; for one partition 1 to 18 decimal digits; for more, each component 1 to 12
     * base-36 digits ({@code 0-9a-z}, lower case) with no sign, so that no component overflows.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static LogPosition parse(String text, int partitions) {
        Objects.requireNonNull(text, "text == null");
        Partitions.check(partitions);
        if (partitions == 1) {
            if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not a log position");
            }
            return new LogPosition(new long[] {Long.parseLong(text)});
        }
        long[] c = new long[partitions];
        int part = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '.') {
                if (part == partitions) {
                    throw new IllegalArgumentException("more than " + partitions + " components");
                }
                int len = i - start;
                if (len < 1 || len > 12) {
                    throw new IllegalArgumentException("component " + part + " must have 1..12 digits");
                }
                long v = 0;
                for (int k = start; k < i; k++) {
                    char ch = text.charAt(k);
                    int d;
                    if (ch >= '0' && ch <= '9') {
                        d = ch - '0';
                    } else if (ch >= 'a' && ch <= 'z') {
                        d = ch - 'a' + 10;
                    } else {
                        throw new IllegalArgumentException("component " + part + " has a character outside 0-9a-z");
                    }
                    v = v * 36 + d;
                }
                c[part++] = v;
                start = i + 1;
            }
        }
        if (part != partitions) {
            throw new IllegalArgumentException(partitions + " components expected, got " + part);
        }
        return new LogPosition(c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogPosition p && Arrays.equals(components, p.components);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(components);
    }

    /** The text form ({@link #encode()}). */
    @Override
    public String toString() {
        return encode();
    }
}
