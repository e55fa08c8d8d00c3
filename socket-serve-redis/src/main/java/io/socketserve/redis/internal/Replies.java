package io.socketserve.redis.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Decoding of replies read with Lettuce's byte-array codec: bulk strings are {@code byte[]}, integers
 * {@link Long}, arrays {@link List}.
 */
public final class Replies {

    private Replies() {}

    public static String string(Object reply) {
        return new String((byte[]) reply, StandardCharsets.UTF_8);
    }

    public static @Nullable String stringOrNull(byte @Nullable [] reply) {
        return reply == null ? null : new String(reply, StandardCharsets.UTF_8);
    }

    /** An integer reply, or a bulk string holding one. */
    public static long number(Object reply) {
        if (reply instanceof Long l) {
            return l;
        }
        return Long.parseLong(string(reply));
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object reply) {
        return (List<Object>) reply;
    }

    /** The position of a log stream id {@code 0-<position>}. */
    public static long position(String streamId) {
        return Long.parseLong(streamId.substring(streamId.indexOf('-') + 1));
    }

    public static Set<String> strings(Iterable<?> replies) {
        Set<String> out = new HashSet<>();
        for (Object r : replies) {
            out.add(string(r));
        }
        return out;
    }

    /** A flat field, value, field, value… array as a map. */
    public static Map<String, String> pairs(List<?> flat) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(string(flat.get(i)), string(flat.get(i + 1)));
        }
        return out;
    }

    public static Map<String, String> strings(Map<byte[], byte[]> map) {
        Map<String, String> out = new HashMap<>();
        map.forEach((k, v) -> out.put(string(k), string(v)));
        return out;
    }

    public static List<String> stringList(List<byte[]> replies) {
        List<String> out = new ArrayList<>(replies.size());
        replies.forEach(r -> out.add(string(r)));
        return out;
    }
}
