package io.socketserve.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.socketserve.spi.BackendUnavailableException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Turns what Lettuce throws into what the engine expects. */
public final class Failures {

    /** Error replies that mean "Redis cannot serve now", not "this command is wrong". */
    private static final String[] UNAVAILABLE_REPLIES = {
        "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "OOM", "READONLY", "NOREPLICAS"
    };

    private Failures() {}

    /** The cause without {@link CompletionException} / {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /**
     * {@link BackendUnavailableException} (naming {@code where}, never a password) for anything that
     * means Redis cannot be reached or cannot serve now: connection loss, rejected while
     * disconnected, timeouts, a full request queue, {@code LOADING}/{@code BUSY}/{@code OOM}… replies.
     * Other error replies (a bug: a wrong command or script) stay what they are.
     */
    public static Throwable translate(Throwable t, String where) {
        Throwable c = unwrap(t);
        if (c instanceof BackendUnavailableException) {
            return c;
        }
        if (c instanceof RedisCommandExecutionException && !isUnavailableReply(c.getMessage())) {
            return new IllegalStateException("Redis at " + where + " rejected a command: " + c.getMessage(), c);
        }
        if (c instanceof RedisException
                || c instanceof IOException
                || c instanceof TimeoutException
                || c instanceof CancellationException) {
            return new BackendUnavailableException("Redis at " + where + " is unavailable: " + c.getMessage(), c);
        }
        return c;
    }

    static boolean isUnavailableReply(String message) {
        if (message == null) {
            return false;
        }
        for (String prefix : UNAVAILABLE_REPLIES) {
            if (message.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
