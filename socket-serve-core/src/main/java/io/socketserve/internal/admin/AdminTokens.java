package io.socketserve.internal.admin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Short-lived tokens with which the admin page connects to the admin namespace: the page fetches one
 * from {@code /admin/api/token} (HTTP Basic) and sends it as the connect request's {@code auth}
 * payload. A token is {@code v1.<expiry millis>.<HMAC-SHA256>}; the key is derived from the user
 * name and the password, so that every instance configured with the same credential accepts the
 * tokens of every other one (no sticky sessions), and changing the password voids them all.
 */
public final class AdminTokens {

    /** How long a token may be used to connect: {@value} ms. */
    public static final long TTL_MILLIS = 10 * 60_000;

    private final byte[] key;

    public AdminTokens(String user, byte[] password) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] material = new byte[32 + u.length + 1 + password.length];
        byte[] label = BasicAuth.sha256("socket-serve admin namespace token v1".getBytes(StandardCharsets.UTF_8));
        System.arraycopy(label, 0, material, 0, 32);
        System.arraycopy(u, 0, material, 32, u.length);
        material[32 + u.length] = 0;
        System.arraycopy(password, 0, material, 33 + u.length, password.length);
        this.key = BasicAuth.sha256(material);
    }

    /** A token valid until {@code nowMillis + TTL_MILLIS}. */
    public String issue(long nowMillis) {
        String body = "v1." + (nowMillis + TTL_MILLIS);
        return body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(body));
    }

    /** Whether {@code token} was issued with this credential and has not expired at {@code nowMillis}. */
    public boolean valid(@Nullable String token, long nowMillis) {
        if (token == null || token.length() > 128) {
            return false;
        }
        int last = token.lastIndexOf('.');
        if (last <= 3 || !token.startsWith("v1.")) {
            return false;
        }
        String body = token.substring(0, last);
        long expiry;
        byte[] given;
        try {
            expiry = Long.parseLong(body.substring(3));
            given = Base64.getUrlDecoder().decode(token.substring(last + 1));
        } catch (IllegalArgumentException malformed) {
            return false;
        }
        return MessageDigest.isEqual(mac(body), given) && nowMillis < expiry;
    }

    private byte[] mac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }
}
