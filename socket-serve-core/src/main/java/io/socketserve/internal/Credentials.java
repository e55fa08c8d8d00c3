package io.socketserve.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Session identity (docs/protocol.md "Identity"): a public id of 96 random bits and a credential
 * {@code <public id>.<secret>} whose secret has 256 random bits from a CSPRNG. Only the SHA-256 of
 * the secret is stored; comparison is constant-time ({@link MessageDigest#isEqual}).
 */
final class Credentials {

    static final int PUBLIC_ID_LENGTH = 16; // 12 bytes base64url
    static final int SECRET_LENGTH = 43; // 32 bytes base64url, unpadded
    private static final Pattern SHAPE = Pattern.compile("^([A-Za-z0-9_-]{16})\\.([A-Za-z0-9_-]{43})$");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** A freshly generated identity. */
    record Identity(String publicId, String credential, String secretHash) {}

    /** A credential split into its parts (shape checked, not yet verified). */
    record Parsed(String publicId, String secret) {}

    private Credentials() {}

    static Identity generate() {
        byte[] id = new byte[12];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String publicId = B64.encodeToString(id);
        String secretText = B64.encodeToString(secret);
        return new Identity(publicId, publicId + "." + secretText, hash(secretText));
    }

    /** The parts of a well-formed credential, or {@code null}. */
    static @Nullable Parsed parse(String credential) {
        if (credential.length() != PUBLIC_ID_LENGTH + 1 + SECRET_LENGTH) {
            return null;
        }
        Matcher m = SHAPE.matcher(credential);
        return m.matches() ? new Parsed(m.group(1), m.group(2)) : null;
    }

    /** Whether {@code secret} hashes to {@code expectedHash}, in constant time. */
    static boolean verify(String secret, String expectedHash) {
        byte[] actual = hash(secret).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(actual, expectedHash.getBytes(StandardCharsets.US_ASCII));
    }

    static String hash(String secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JVM", e);
        }
    }

    /** {@code text} with the secret part of every credential in it replaced by {@code ***}. */
    static String redact(String text) {
        return io.socketserve.transport.Redaction.redact(text);
    }
}
