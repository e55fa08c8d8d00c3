package io.socketserve.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Immutable configuration of a {@link RedisBackend}.
 *
 * <pre>{@code
 * RedisBackendOptions options = RedisBackendOptions.builder()
 *         .uri("rediss://app:secret@redis.example.com:6380/2") // TLS, ACL user "app", database 2
 *         .keyPrefix("chat")                                  // keys "{chat}:…"
 *         .commandTimeout(Duration.ofSeconds(1))
 *         .build();
 * }</pre>
 *
 * <p>The URI is anything Lettuce's {@link RedisURI} accepts: {@code redis://} or {@code rediss://}
 * (TLS), an optional password ({@code redis://:password@host}) or ACL user and password ({@code
 * redis://user:password@host}), a database index as path ({@code /2}). The password never appears in
 * messages or logs.
 *
 * <h2>Redis Sentinel</h2>
 *
 * <p>{@code redis-sentinel://[[user:]password@]host:port[,host2:port2…][/database]#masterId} (or
 * {@code rediss-sentinel://…} for TLS; {@code ?sentinelMasterId=masterId} instead of the fragment)
 * names the Sentinels, not Redis: every connection asks a Sentinel for the address of the master
 * {@code masterId} (Sentinels without a port are on 26379), and asks again on every reconnect, so
 * that after a failover the backend follows the promoted replica by itself. The password is the
 * one of the Redis master; the Sentinels are asked without one. The master id is required: a
 * Sentinel URI without one is rejected by {@link Builder#uri}.
 *
 * <pre>{@code
 * RedisBackendOptions.of("redis-sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379#mymaster");
 * }</pre>
 */
public final class RedisBackendOptions {

    /** Default {@link Builder#uri}: {@value}. */
    public static final String DEFAULT_URI = "redis://localhost:6379";

    /** Default {@link Builder#keyPrefix}: {@value}. */
    public static final String DEFAULT_KEY_PREFIX = "ss";

    /** Default {@link Builder#commandTimeout}: 2 seconds. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

    /** Default {@link Builder#connectTimeout}: 2 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** Default {@link Builder#maxPendingCommands}: {@value}. */
    public static final int DEFAULT_MAX_PENDING_COMMANDS = 10_000;

    private final String uri;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final int maxPendingCommands;

    private RedisBackendOptions(Builder b) {
        this.uri = b.uri;
        this.keyPrefix = b.keyPrefix;
        this.commandTimeout = b.commandTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxPendingCommands = b.maxPendingCommands;
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The options of the given URI, everything else at its default. */
    public static RedisBackendOptions of(String uri) {
        return builder().uri(uri).build();
    }

    /** A builder initialised with these options. */
    public Builder toBuilder() {
        return new Builder()
                .uri(uri)
                .keyPrefix(keyPrefix)
                .commandTimeout(commandTimeout)
                .connectTimeout(connectTimeout)
                .maxPendingCommands(maxPendingCommands);
    }

    /** The Redis URI, password included: do not log it (see {@link #toString()}). */
    public String uri() {
        return uri;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public int maxPendingCommands() {
        return maxPendingCommands;
    }

    /** A new Lettuce URI for these options (a fresh, mutable object on each call). */
    public RedisURI redisUri() {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(commandTimeout);
        if (redisUri.getClientName() == null) {
            redisUri.setClientName("socket-serve");
        }
        return redisUri;
    }

    /** Whether the URI names Redis Sentinels ({@code redis-sentinel://…}) rather than Redis itself. */
    public boolean sentinel() {
        return isSentinel(uri);
    }

    /**
     * The URI without credentials, for messages: {@code redis://host:6379/2}, or {@code
     * redis-sentinel://s1:26379,s2:26379/2#mymaster}.
     */
    public String redactedUri() {
        RedisURI u = RedisURI.create(uri);
        String database = u.getDatabase() != 0 ? "/" + u.getDatabase() : "";
        if (u.getSentinelMasterId() != null && !u.getSentinels().isEmpty()) {
            List<String> sentinels = new ArrayList<>();
            for (RedisURI s : u.getSentinels()) {
                sentinels.add(s.getHost() + ":" + s.getPort());
            }
            return (u.isSsl() ? "rediss" : "redis") + "-sentinel://" + String.join(",", sentinels) + database + "#"
                    + u.getSentinelMasterId();
        }
        String scheme = u.isSsl() ? "rediss" : "redis";
        String where = u.getSocket() != null ? u.getSocket() : u.getHost() + ":" + u.getPort();
        return scheme + "://" + where + database;
    }

    @Override
    public String toString() {
        return "RedisBackendOptions{uri=" + redactedUri() + ", keyPrefix=" + keyPrefix + ", commandTimeout="
                + commandTimeout + ", connectTimeout=" + connectTimeout + ", maxPendingCommands="
                + maxPendingCommands + "}";
    }

    private static boolean isSentinel(String uri) {
        String u = uri.toLowerCase(Locale.ROOT);
        return u.startsWith("redis-sentinel://") || u.startsWith("rediss-sentinel://");
    }

    /** Builds {@link RedisBackendOptions}; every setter validates its argument. */
    public static final class Builder {
        private String uri = DEFAULT_URI;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxPendingCommands = DEFAULT_MAX_PENDING_COMMANDS;

        private Builder() {}

        /**
         * Where Redis is (default {@value #DEFAULT_URI}): {@code redis://[[user]:password@]host[:port][/database]}
         * or {@code rediss://…} for TLS; or the Sentinels that know where it is: {@code
         * redis-sentinel://[[user]:password@]host:port[,host2:port2…][/database]#masterId} (see the
         * class comment).
         *
         * @throws IllegalArgumentException if Lettuce cannot parse it, or if a Sentinel URI names no
         *     master id
         */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri == null");
            if (isSentinel(uri) && !hasMasterId(uri)) {
                throw new IllegalArgumentException("uri is a Redis Sentinel URI without a master id: end it with"
                        + " #<masterId>, the name the Sentinels monitor the master by"
                        + " (redis-sentinel://host1:26379,host2:26379#mymaster)");
            }
            try {
                RedisURI.create(uri);
            } catch (RuntimeException e) { // its message could echo the password: leave it out
                throw new IllegalArgumentException(
                        "uri is not a Redis URI (redis://…, rediss://… or redis-sentinel://…#masterId)");
            }
            this.uri = uri;
            return this;
        }

        /**
         * What every key starts with (default {@value #DEFAULT_KEY_PREFIX}), so that several
         * applications can share one Redis. Keys are {@code {prefix}:…}: the braces make the prefix
         * the Redis Cluster hash tag.
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix == null");
            if (keyPrefix.isEmpty() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
                throw new IllegalArgumentException("keyPrefix must be non-empty and free of braces: " + keyPrefix);
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * How long one command may take before its operation fails with {@code
         * BackendUnavailableException} (default 2 s).
         */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = positive(commandTimeout, "commandTimeout");
            return this;
        }

        /** How long connecting may take (default 2 s): at start, and on every reconnect attempt. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How many commands may wait for Redis's answer at once (default {@value
         * #DEFAULT_MAX_PENDING_COMMANDS}); an operation beyond it fails at once with {@code
         * BackendUnavailableException} instead of queueing without bound.
         */
        public Builder maxPendingCommands(int maxPendingCommands) {
            if (maxPendingCommands < 1) {
                throw new IllegalArgumentException("maxPendingCommands < 1: " + maxPendingCommands);
            }
            this.maxPendingCommands = maxPendingCommands;
            return this;
        }

        public RedisBackendOptions build() {
            return new RedisBackendOptions(this);
        }

        /** {@code #id} or {@code sentinelMasterId=id} in the query, non-empty. */
        private static boolean hasMasterId(String uri) {
            int hash = uri.indexOf('#');
            if (hash >= 0 && hash < uri.length() - 1) {
                return true;
            }
            String beforeFragment = hash >= 0 ? uri.substring(0, hash) : uri;
            int query = beforeFragment.indexOf('?');
            if (query < 0) {
                return false;
            }
            for (String param : beforeFragment.substring(query + 1).split("&")) {
                if (param.regionMatches(true, 0, "sentinelMasterId=", 0, 17) && param.length() > 17) {
                    return true;
                }
            }
            return false;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name + " == null");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
