package io.socketserve.transport;

import java.util.regex.Pattern;

/**
 * Removes session secrets from text before it is logged: every {@code <public id>.<secret>}
 * credential becomes {@code <public id>.***}. Transports use it for anything that may quote a
 * request (URIs, exception messages).
 */
public final class Redaction {

    private static final Pattern CREDENTIAL = Pattern.compile("([A-Za-z0-9_-]{16}\\.)[A-Za-z0-9_-]{43}");

    private Redaction() {}

    /** {@code text} with the secret part of every credential in it replaced by {@code ***}. */
    public static String redact(String text) {
        return CREDENTIAL.matcher(text).replaceAll("$1***");
    }
}
