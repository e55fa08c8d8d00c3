package io.socketserve.netty.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.SocketServeException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The smallest useful JWT (RFC 7519) with HS256 (HMAC-SHA256, RFC 7518 §3.2): the example of
 * {@code docs/security.md}, with nothing but the JDK. {@link #verify} accepts only this exact header
 * (so {@code "alg":"none"} and algorithm confusion are rejected), compares signatures in constant
 * time and checks {@code exp}. Failures are {@code 401 unauthorized}, ready to be thrown from
 * connection middleware.
 */
final class HmacTokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String HEADER =
            B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final SecretKeySpec key;

    /** A verifier/minter with a shared secret of at least 32 bytes. */
    HmacTokens(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("an HS256 key needs at least 256 bits");
        }
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** A token for {@code subject} with extra claims, valid until {@code expires}. */
    String mint(String subject, Map<String, String> claims, Instant expires) {
        Map<String, Object> payload = new java.util.LinkedHashMap<>(claims);
        payload.put("sub", subject);
        payload.put("exp", expires.getEpochSecond());
        try {
            String body = HEADER + "." + B64.encodeToString(MAPPER.writeValueAsBytes(payload));
            return body + "." + B64.encodeToString(sign(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The claims of a valid, unexpired token; else {@code 401 unauthorized}. */
    JsonNode verify(@Nullable String token, Instant now) {
        if (token == null || token.length() > 4096) {
            throw unauthorized("a token is required");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(HEADER)) {
            throw unauthorized("malformed token");
        }
        byte[] signature;
        JsonNode claims;
        try {
            signature = B64_DECODER.decode(parts[2]);
            claims = MAPPER.readTree(B64_DECODER.decode(parts[1]));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw unauthorized("malformed token");
        }
        if (!MessageDigest.isEqual(signature, sign(parts[0] + "." + parts[1]))) {
            throw unauthorized("bad signature");
        }
        if (claims == null
                || !claims.path("exp").canConvertToLong()
                || claims.path("exp").asLong() <= now.getEpochSecond()) {
            throw unauthorized("token expired");
        }
        if (!claims.path("sub").isTextual()) {
            throw unauthorized("token has no subject");
        }
        return claims;
    }

    private byte[] sign(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }

    private static SocketServeException unauthorized(String why) {
        return new SocketServeException("unauthorized", why, 401);
    }
}
