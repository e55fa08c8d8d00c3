package io.socketserve.internal.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Checks an {@code Authorization: Basic …} header (RFC 7617) against one user and password.
 *
 * <p>Timing: both the user name and the password are compared as SHA-256 digests with {@link
 * MessageDigest#isEqual} (constant time over equal-length inputs), and both comparisons always run,
 * so the time of an answer says nothing about which part or how much of it was right.
 *
 * <p>Guessing: after {@code maxFailures} failed attempts from one address within {@link
 * #WINDOW_MILLIS}, that address is refused ({@link Verdict#THROTTLED}) until the window has passed,
 * whatever it sends. At most {@link #MAX_TRACKED} addresses are tracked; beyond that the oldest
 * windows are dropped.
 */
public final class BasicAuth {

    /** {@value} ms. */
    public static final long WINDOW_MILLIS = 60_000;

    static final int MAX_TRACKED = 10_000;

    /** What a request's credential amounts to. */
    public enum Verdict {
        OK,
        MISSING,
        WRONG,
        THROTTLED
    }

    private final byte[] userDigest;
    private final byte[] passwordDigest;
    private final Map<String, Window> failures = new ConcurrentHashMap<>();
    private final int maxFailures;

    private record Window(long startMillis, int count) {}

    public BasicAuth(String user, byte[] password, int maxFailures) {
        this.maxFailures = maxFailures;
        this.userDigest = sha256(user.getBytes(StandardCharsets.UTF_8));
        this.passwordDigest = sha256(password);
    }

    /** Checks the header of a request from {@code address} at {@code nowMillis}. */
    public Verdict check(@Nullable String authorization, String address, long nowMillis) {
        Window w = failures.get(address);
        if (w != null && nowMillis - w.startMillis < WINDOW_MILLIS && w.count >= maxFailures) {
            return Verdict.THROTTLED;
        }
        if (authorization == null || authorization.isBlank()) {
            return Verdict.MISSING;
        }
        boolean ok = matches(authorization);
        if (ok) {
            return Verdict.OK;
        }
        fail(address, nowMillis);
        return Verdict.WRONG;
    }

    /** Seconds until a throttled address may try again (at least 1). */
    public long retryAfterSeconds(String address, long nowMillis) {
        Window w = failures.get(address);
        long left = w == null ? 0 : WINDOW_MILLIS - (nowMillis - w.startMillis);
        return Math.max(1, (left + 999) / 1000);
    }

    /** How many addresses have failures on record (tests). */
    int tracked() {
        return failures.size();
    }

    private boolean matches(String authorization) {
        String h = authorization.strip();
        if (h.length() < 6 || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(h.substring(6).strip());
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        int colon = -1;
        for (int i = 0; i < decoded.length; i++) {
            if (decoded[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return false;
        }
        byte[] user = java.util.Arrays.copyOfRange(decoded, 0, colon);
        byte[] password = java.util.Arrays.copyOfRange(decoded, colon + 1, decoded.length);
        // Both comparisons run whatever the first one says: no early exit to time.
        boolean userOk = MessageDigest.isEqual(sha256(user), userDigest);
        boolean passwordOk = MessageDigest.isEqual(sha256(password), passwordDigest);
        return userOk & passwordOk;
    }

    private void fail(String address, long nowMillis) {
        if (failures.size() >= MAX_TRACKED && !failures.containsKey(address)) {
            prune(nowMillis);
        }
        failures.compute(
                address,
                (a, w) -> w == null || nowMillis - w.startMillis >= WINDOW_MILLIS
                        ? new Window(nowMillis, 1)
                        : new Window(w.startMillis, w.count + 1));
    }

    private void prune(long nowMillis) {
        for (Iterator<Window> it = failures.values().iterator(); it.hasNext(); ) {
            if (nowMillis - it.next().startMillis >= WINDOW_MILLIS) {
                it.remove();
            }
        }
        if (failures.size() >= MAX_TRACKED) {
            failures.clear(); // a flood of addresses: forget them rather than grow
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
