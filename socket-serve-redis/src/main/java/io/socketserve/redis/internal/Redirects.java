package io.socketserve.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import org.jspecify.annotations.Nullable;

/** Redis Cluster redirections ({@code MOVED}, {@code ASK}) in error replies. */
public final class Redirects {

    private Redirects() {}

    /**
     * The {@code host:port} of a {@code MOVED <slot> <host>:<port>} reply, or {@code null} for any
     * other failure. The host may be empty ({@code :6380}): the node did not know its address, and
     * the host is the one the command was sent to.
     */
    public static @Nullable String moved(Throwable failure) {
        return target(failure, "MOVED ");
    }

    /** Whether the failure is an {@code ASK} reply: the slot is being migrated. */
    public static boolean isAsk(Throwable failure) {
        return target(failure, "ASK ") != null;
    }

    private static @Nullable String target(Throwable failure, String kind) {
        Throwable c = Failures.unwrap(failure);
        if (!(c instanceof RedisCommandExecutionException) || c.getMessage() == null) {
            return null;
        }
        String m = c.getMessage();
        if (!m.startsWith(kind)) {
            return null;
        }
        String[] parts = m.trim().split(" ");
        return parts.length >= 3 && parts[2].lastIndexOf(':') >= 0 ? parts[2] : null;
    }
}
