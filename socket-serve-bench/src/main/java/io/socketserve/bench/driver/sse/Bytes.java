package io.socketserve.bench.driver.sse;

/** Byte-array scanning for the generator's hot path (no String, no allocation). */
public final class Bytes {

    private Bytes() {}

    /** Index of {@code needle} in {@code hay[from, length)}, or -1. */
    public static int indexOf(byte[] hay, int length, byte[] needle, int from) {
        int last = length - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The non-negative decimal number right after {@code key} (for example {@code "seq":}) in {@code
     * hay[0, length)}, or -1 if the key is absent.
     */
    public static long longAfter(byte[] hay, int length, byte[] key) {
        int i = indexOf(hay, length, key, 0);
        return longAt(hay, length, i < 0 ? -1 : i + key.length);
    }

    /**
     * The non-negative decimal number starting at {@code hay[from]} (up to {@code length}), or -1 if
     * {@code from} is negative or no digit is there.
     */
    public static long longAt(byte[] hay, int length, int from) {
        if (from < 0) {
            return -1;
        }
        int i = from;
        long v = 0;
        int digits = 0;
        for (; i < length; i++) {
            int d = hay[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            v = v * 10 + d;
            digits++;
        }
        return digits == 0 ? -1 : v;
    }
}
