package io.socketserve.internal;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * The MDC fields of socket-serve's key log events (connect, disconnect, rate limit, slow client cut,
 * backend down/up): {@value #INSTANCE}, {@value #NAMESPACE} and {@value #SESSION} (the session's
 * public id; never its credential). Put for the one log call and restored after it:
 *
 * <pre>{@code
 * LogFields.info(log, instance, namespace, publicId, "connected from {}", address);
 * }</pre>
 */
final class LogFields implements AutoCloseable {

    /**
     * The logger of the per-session key events (connect, disconnect, rate limit hit, slow client
     * cut), at INFO: one name to turn them up or down ({@code docs/operations.md}).
     */
    static final org.slf4j.Logger SESSIONS = org.slf4j.LoggerFactory.getLogger("io.socketserve.sessions");

    /** MDC key: this instance's id ({@link io.socketserve.ServerStats#instance()}). */
    static final String INSTANCE = "socketserve.instance";

    /** MDC key: the session's namespace. */
    static final String NAMESPACE = "socketserve.namespace";

    /** MDC key: the session's public id ({@code socket.id}). */
    static final String SESSION = "socketserve.session";

    private final @Nullable String previousInstance;
    private final @Nullable String previousNamespace;
    private final @Nullable String previousSession;

    private LogFields(String instance, @Nullable String namespace, @Nullable String session) {
        previousInstance = MDC.get(INSTANCE);
        previousNamespace = MDC.get(NAMESPACE);
        previousSession = MDC.get(SESSION);
        MDC.put(INSTANCE, instance);
        set(NAMESPACE, namespace);
        set(SESSION, session);
    }

    /** Sets the fields until {@link #close()}; {@code null} ones are left out. */
    private static LogFields of(String instance, @Nullable String namespace, @Nullable String session) {
        return new LogFields(instance, namespace, session);
    }

    /** Logs at INFO with the fields set. */
    static void info(
            org.slf4j.Logger log,
            String instance,
            @Nullable String namespace,
            @Nullable String session,
            String format,
            Object... args) {
        if (log.isInfoEnabled()) {
            try (LogFields f = of(instance, namespace, session)) {
                f.log(log, false, format, args);
            }
        }
    }

    /** Logs at WARN with the fields set. */
    static void warn(
            org.slf4j.Logger log,
            String instance,
            @Nullable String namespace,
            @Nullable String session,
            String format,
            Object... args) {
        if (log.isWarnEnabled()) {
            try (LogFields f = of(instance, namespace, session)) {
                f.log(log, true, format, args);
            }
        }
    }

    private void log(org.slf4j.Logger log, boolean warn, String format, Object... args) {
        if (warn) {
            log.warn(format, args);
        } else {
            log.info(format, args);
        }
    }

    @Override
    public void close() {
        set(INSTANCE, previousInstance);
        set(NAMESPACE, previousNamespace);
        set(SESSION, previousSession);
    }

    private static void set(String key, @Nullable String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
