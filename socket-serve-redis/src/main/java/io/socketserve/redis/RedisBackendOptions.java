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
 *
 * <p><b>Redis Cluster.</b> {@link Builder#clusterNodes(List)} (or {@link #ofCluster}) takes a few
 * nodes of a cluster instead of one URI; the backend discovers the others and follows the cluster's
 * topology (slot migrations, failovers):
 *
 * <pre>{@code
 * RedisBackendOptions options = RedisBackendOptions.builder()
 *         .clusterNodes(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"))
 *         .build();
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
    private final List<String> clusterNodes;
    private final String keyPrefix;
    private final int partitions;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final int maxPendingCommands;

    private RedisBackendOptions(Builder b) {
        this.uri = b.uri;
        this.clusterNodes = b.clusterNodes;
        this.keyPrefix = b.keyPrefix;
        this.partitions = b.partitions;
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

    /**
     * The options of a Redis Cluster reached through {@code seedUris}, everything else at its
     * default; see {@link Builder#clusterNodes(List)}.
     */
    public static RedisBackendOptions ofCluster(String... seedUris) {
        return builder().clusterNodes(List.of(seedUris)).build();
    }

    /** A builder initialised with these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.uri = uri;
        b.clusterNodes = clusterNodes;
        return b.keyPrefix(keyPrefix)
                .partitions(partitions)
                .commandTimeout(commandTimeout)
                .connectTimeout(connectTimeout)
                .maxPendingCommands(maxPendingCommands);
    }

    /** The Redis URI, password included: do not log it (see {@link #toString()}). */
    public String uri() {
        return uri;
    }

    /** Whether the backend runs on a Redis Cluster ({@link Builder#clusterNodes(List)} was set). */
    public boolean isCluster() {
        return !clusterNodes.isEmpty();
    }

    /**
     * The seed nodes of the cluster, passwords included (do not log them), or an empty list for a
     * standalone Redis.
     */
    public List<String> clusterNodes() {
        return clusterNodes;
    }

    /** New Lettuce URIs of the cluster's seed nodes (fresh, mutable objects on each call). */
    public List<RedisURI> clusterRedisUris() {
        List<RedisURI> out = new ArrayList<>(clusterNodes.size());
        for (String node : clusterNodes) {
            RedisURI u = RedisURI.create(node);
            u.setTimeout(commandTimeout);
            if (u.getClientName() == null) {
                u.setClientName("socket-serve");
            }
            out.add(u);
        }
        return out;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** The number of partitions of the log ({@link Builder#partitions(int)}). */
    public int partitions() {
        return partitions;
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
     * redis-sentinel://s1:26379,s2:26379/2#mymaster}; on a cluster, its seed nodes: {@code
     * redis://host1:7000,host2:7000}.
     */
    public String redactedUri() {
        if (isCluster()) {
            StringBuilder out = new StringBuilder();
            for (String node : clusterNodes) {
                RedisURI u = RedisURI.create(node);
                out.append(out.length() == 0 ? (u.isSsl() ? "rediss://" : "redis://") : ",")
                        .append(u.getHost())
                        .append(':')
                        .append(u.getPort());
            }
            return out.toString();
        }
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
        return "RedisBackendOptions{" + (isCluster() ? "clusterNodes=" : "uri=") + redactedUri() + ", keyPrefix="
                + keyPrefix + ", partitions=" + partitions + ", commandTimeout="
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
        private boolean uriSet;
        private List<String> clusterNodes = List.of();
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private int partitions = 1;
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
            this.uriSet = true;
            return this;
        }

        /**
         * Runs on a Redis Cluster instead of one Redis: {@code seedUris} are some of its nodes
         * ({@code redis://[[user]:password@]host:port}, or {@code rediss://…} for TLS, all alike).
         * One reachable node is enough at start; the backend reads the cluster's topology from it and
         * follows it from then on (slot migrations, failovers). Every key of the backend has the hash
         * tag {@code {prefix}}, so all of them live in one slot, on one master at a time. Excludes
         * {@link #uri}.
         *
         * @throws IllegalArgumentException if the list is empty, a URI cannot be parsed, is a
         *     Sentinel or Unix socket URI or names a database other than 0 (a cluster has only
         *     database 0), or the URIs mix {@code redis://} and {@code rediss://}
         */
        public Builder clusterNodes(List<String> seedUris) {
            Objects.requireNonNull(seedUris, "seedUris == null");
            if (seedUris.isEmpty()) {
                throw new IllegalArgumentException(
                        "clusterNodes is empty: give at least one node of the cluster (redis://host:port)");
            }
            Boolean ssl = null;
            for (int i = 0; i < seedUris.size(); i++) {
                String node = Objects.requireNonNull(seedUris.get(i), "clusterNodes[" + i + "] == null");
                String which = "clusterNodes[" + i + "]";
                if (node.startsWith("redis-sentinel") || node.startsWith("rediss-sentinel")) {
                    throw new IllegalArgumentException(which
                            + " is a Sentinel URI (redis-sentinel://…): clusterNodes takes nodes of a Redis Cluster");
                }
                RedisURI u;
                try {
                    u = RedisURI.create(node);
                } catch (RuntimeException e) { // its message could echo the password: leave it out
                    throw new IllegalArgumentException(which + " is not a Redis URI (redis://host:port or rediss://…)");
                }
                if (!u.getSentinels().isEmpty()) {
                    throw new IllegalArgumentException(
                            which + " is a Sentinel URI: clusterNodes takes nodes of a Redis Cluster");
                }
                if (u.getSocket() != null || u.getHost() == null) {
                    throw new IllegalArgumentException(which + " has no host: a cluster node is redis://host:port");
                }
                if (u.getDatabase() != 0) {
                    throw new IllegalArgumentException(
                            which + " names database " + u.getDatabase() + ": a Redis Cluster has database 0 only");
                }
                if (ssl != null && ssl != u.isSsl()) {
                    throw new IllegalArgumentException(
                            "clusterNodes mixes redis:// and rediss:// (TLS): the nodes of one cluster are reached alike");
                }
                ssl = u.isSsl();
            }
            this.clusterNodes = List.copyOf(seedUris);
            return this;
        }

        /** {@link #clusterNodes(List)} with the nodes as arguments. */
        public Builder clusterNodes(String... seedUris) {
            return clusterNodes(List.of(seedUris));
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
         * The number of partitions of the log (default 1), fixed for the life of a deployment: every
         * instance must use the same number, and the data written with one number cannot be read
         * with another ({@link RedisBackend#start} fails naming both). Each partition has its own hash
         * tag, chosen so that partitions spread evenly over a Redis Cluster's slot ranges: on a
         * cluster of N masters, use a multiple of N (for example 4 × N) so that every master carries
         * the same share. On a single Redis, more than one partition only costs (one reader
         * connection per partition per instance). {@code docs/scaling.md} has the guarantees.
         *
         * @throws IllegalArgumentException if {@code partitions} is not in 1..{@link
         *     io.socketserve.spi.Partitions#MAX}
         */
        public Builder partitions(int partitions) {
            this.partitions = io.socketserve.spi.Partitions.check(partitions);
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

        /** @throws IllegalArgumentException if both {@link #uri} and {@link #clusterNodes(List)} were set */
        public RedisBackendOptions build() {
            if (uriSet && !clusterNodes.isEmpty()) {
                throw new IllegalArgumentException(
                        "both uri and clusterNodes are set: a backend runs on one Redis or on one Redis Cluster");
            }
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
