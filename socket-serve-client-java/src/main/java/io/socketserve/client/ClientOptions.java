package io.socketserve.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Settings of a {@link SocketClient}; immutable, made with {@link #builder()}.
 *
 * <pre>{@code
 * ClientOptions options = ClientOptions.builder()
 *         .auth(Map.of("token", token))
 *         .namespace("/chat")
 *         .ackTimeout(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 */
public final class ClientOptions {

    /** Default {@link Builder#ackTimeout}: 5 s. */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link Builder#maxQueue}: 100 emits. */
    public static final int DEFAULT_MAX_QUEUE = 100;
    /** Default {@link Builder#reconnectDelay}: 500 ms. */
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofMillis(500);
    /** Default {@link Builder#reconnectDelayMax}: 10 s. */
    public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(10);
    /** Default {@link Builder#pollWait}: 25 s. */
    public static final Duration DEFAULT_POLL_WAIT = Duration.ofSeconds(25);
    /** Default {@link Builder#openTimeout}: 10 s. */
    public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(10);

    private final Object auth;
    private final String namespace;
    private final Duration reconnectDelay;
    private final Duration reconnectDelayMax;
    private final boolean autoReconnect;
    private final Duration ackTimeout;
    private final int maxQueue;
    private final Executor listenerExecutor;
    private final Transport transport;
    private final HttpClient httpClient;
    private final Duration pollWait;
    private final Duration openTimeout;

    private ClientOptions(Builder b) {
        this.auth = b.auth;
        this.namespace = b.namespace;
        this.reconnectDelay = b.reconnectDelay;
        this.reconnectDelayMax = b.reconnectDelayMax;
        this.autoReconnect = b.autoReconnect;
        this.ackTimeout = b.ackTimeout;
        this.maxQueue = b.maxQueue;
        this.listenerExecutor = b.listenerExecutor;
        this.transport = b.transport;
        this.httpClient = b.httpClient;
        this.pollWait = b.pollWait;
        this.openTimeout = b.openTimeout;
    }

    /** Options with every default. */
    public static ClientOptions defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The {@code auth} payload of {@code POST /connect}, or null. */
    public Object auth() {
        return auth;
    }

    /** The namespace, or null for the default {@code "/"}. */
    public String namespace() {
        return namespace;
    }

    /** First reconnect delay (doubled per failed attempt, with full jitter). */
    public Duration reconnectDelay() {
        return reconnectDelay;
    }

    /** Upper bound of the reconnect delay. */
    public Duration reconnectDelayMax() {
        return reconnectDelayMax;
    }

    /** Whether the client reconnects by itself. */
    public boolean autoReconnect() {
        return autoReconnect;
    }

    /** How long {@code emitWithAck} waits by default. */
    public Duration ackTimeout() {
        return ackTimeout;
    }

    /** How many emits may wait while the client is not connected. */
    public int maxQueue() {
        return maxQueue;
    }

    /** Where listeners run, or null for a serial executor per client over a shared pool. */
    public Executor listenerExecutor() {
        return listenerExecutor;
    }

    /** The preferred transport. */
    public Transport transport() {
        return transport;
    }

    /** The HTTP client, or null for the shared default one. */
    public HttpClient httpClient() {
        return httpClient;
    }

    /** The {@code wait} of a long-poll. */
    public Duration pollWait() {
        return pollWait;
    }

    /** How long a stream may take to deliver its first frame before it counts as failed. */
    public Duration openTimeout() {
        return openTimeout;
    }

    /** Builder of {@link ClientOptions}. */
    public static final class Builder {
        private Object auth;
        private String namespace;
        private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
        private Duration reconnectDelayMax = DEFAULT_RECONNECT_DELAY_MAX;
        private boolean autoReconnect = true;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private Executor listenerExecutor;
        private Transport transport = Transport.SSE;
        private HttpClient httpClient;
        private Duration pollWait = DEFAULT_POLL_WAIT;
        private Duration openTimeout = DEFAULT_OPEN_TIMEOUT;

        private Builder() {}

        /** The {@code auth} payload sent with {@code POST /connect} (any value Jackson can write). */
        public Builder auth(Object auth) {
            this.auth = auth;
            return this;
        }

        /** The namespace to connect to; must start with {@code /}. */
        public Builder namespace(String namespace) {
            if (namespace != null && !namespace.startsWith("/")) {
                throw new IllegalArgumentException("namespace must start with '/', got " + namespace);
            }
            this.namespace = namespace;
            return this;
        }

        /** First reconnect delay, doubled per failed attempt up to {@link #reconnectDelayMax}. */
        public Builder reconnectDelay(Duration delay) {
            this.reconnectDelay = positive(delay, "reconnectDelay");
            return this;
        }

        /** Upper bound of the reconnect delay. */
        public Builder reconnectDelayMax(Duration delay) {
            this.reconnectDelayMax = positive(delay, "reconnectDelayMax");
            return this;
        }

        /** Whether to reconnect by itself (default true). */
        public Builder autoReconnect(boolean autoReconnect) {
            this.autoReconnect = autoReconnect;
            return this;
        }

        /** Default timeout of {@code emitWithAck}. */
        public Builder ackTimeout(Duration timeout) {
            this.ackTimeout = positive(timeout, "ackTimeout");
            return this;
        }

        /** How many emits may wait while not connected; further ones fail with {@code queue_full}. */
        public Builder maxQueue(int maxQueue) {
            if (maxQueue < 0) {
                throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
            }
            this.maxQueue = maxQueue;
            return this;
        }

        /**
         * Where listeners (event and state) run. The default is a serial executor per client over a
         * shared pool: a client's events are handled one at a time, in order. An executor given here
         * must keep that order itself if the application relies on it.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = executor;
            return this;
        }

        /** {@link Transport#SSE} (default; falls back to polling when streams fail) or polling only. */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * The HTTP client to use (e.g. with a proxy or TLS settings). The default is one shared
         * HTTP/1.1 client. A given client should speak HTTP/1.1: every stream holds a connection.
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** The {@code wait} of a long-poll (default 25 s). */
        public Builder pollWait(Duration wait) {
            this.pollWait = Objects.requireNonNull(wait, "pollWait");
            return this;
        }

        /** How long a stream may take to deliver its first frame (default 10 s). */
        public Builder openTimeout(Duration timeout) {
            this.openTimeout = positive(timeout, "openTimeout");
            return this;
        }

        /** The options. */
        public ClientOptions build() {
            return new ClientOptions(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
