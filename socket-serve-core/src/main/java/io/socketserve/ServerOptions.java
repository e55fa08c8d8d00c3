package io.socketserve;

import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Immutable server configuration. Every limit has a named default; build with {@link #builder()}.
 *
 * <pre>{@code
 * ServerOptions options = ServerOptions.builder()
 *         .backend(RedisBackend.create("redis://localhost:6379"))
 *         .maxRoomsPerSocket(10)
 *         .sessionTimeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class ServerOptions {

    /** {@value} — where the protocol endpoints live. */
    public static final String DEFAULT_BASE_PATH = "/socket";
    /** {@value} bytes (1 MiB) — the largest request body and event payload. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
    /** {@value} — deepest JSON nesting accepted. */
    public static final int DEFAULT_MAX_JSON_DEPTH = 64;
    /** {@value} — rooms one socket may be in at once. */
    public static final int DEFAULT_MAX_ROOMS_PER_SOCKET = 100;
    /** {@value} characters. */
    public static final int DEFAULT_MAX_ROOM_NAME_LENGTH = 256;
    /** {@value} characters. */
    public static final int DEFAULT_MAX_EVENT_NAME_LENGTH = 128;
    /** {@value} — sessions the whole deployment may hold. */
    public static final int DEFAULT_MAX_SESSIONS = 200_000;
    /** {@value} — log entries kept for resume (the recovery window by count). */
    public static final int DEFAULT_RECOVERY_MAX_MESSAGES = 100_000;
    /** 2 minutes — the recovery window by age. */
    public static final Duration DEFAULT_RECOVERY_MAX_AGE = Duration.ofMinutes(2);
    /**
     * {@value} bytes (64 MiB) — the recovery window by bytes: the most bytes of log entries the
     * backend's log keeps, and, separately, the most each instance keeps decoded for replays.
     *
     * @since 0.3
     */
    public static final long DEFAULT_RECOVERY_MAX_BYTES = 64L * 1024 * 1024;
    /**
     * {@value} bytes (4 MiB) — the bytes of log entries the emits of one session's handlers may append
     * per {@link #DEFAULT_RECOVERY_MAX_AGE recovery window by age} (a byte bucket of this size, refilled
     * at this size per window). Over it: 429.
     *
     * @since 0.3
     */
    public static final long DEFAULT_SESSION_LOG_BYTES_PER_WINDOW = 4L * 1024 * 1024;
    /** 60 seconds — a session with no stream and no poll for this long ends. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(60);
    /** 25 seconds — keepalive comment period on idle streams. */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(25);
    /** 5 seconds — how often an instance looks for expired sessions. */
    public static final Duration DEFAULT_EXPIRY_SWEEP_INTERVAL = Duration.ofSeconds(5);
    /**
     * 5 seconds — how often the instance holding a session's stream confirms its presence; a
     * session whose instance died leaves every presence list within 1.75 times this.
     */
    public static final Duration DEFAULT_PRESENCE_HEARTBEAT = Duration.ofSeconds(5);
    /** 10 seconds — how long a user must stay away before {@link UserOfflineListener}s are told. */
    public static final Duration DEFAULT_PRESENCE_OFFLINE_GRACE = Duration.ofSeconds(10);
    /** {@value} bytes — largest presence state (as JSON). Over it: 413. */
    public static final int DEFAULT_MAX_PRESENCE_STATE_BYTES = 4096;
    /** {@value} bytes (1 MiB) — unwritten bytes one connection may hold before it is cut off. */
    public static final int DEFAULT_MAX_STREAM_BUFFER_BYTES = 1024 * 1024;
    /** 30 seconds — longest a long-poll waits. */
    public static final Duration DEFAULT_LONG_POLL_MAX_WAIT = Duration.ofSeconds(30);
    /** {@value} — handler invocations running or queued at once. */
    public static final int DEFAULT_MAX_CONCURRENT_HANDLERS = 10_000;
    /** 10 seconds — longest a blocking API call waits for the backend. */
    public static final Duration DEFAULT_BACKEND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * 30 seconds — how long this instance's log reader may show no progress while the backend answers
     * before {@link SocketServer#health()} reports it stalled.
     *
     * @since 0.2
     */
    public static final Duration DEFAULT_READER_STALL_TIMEOUT = Duration.ofSeconds(30);

    /** {@value} — events per second one session may send (token bucket; 0 disables). */
    public static final double DEFAULT_MAX_EVENTS_PER_SECOND = 50;
    /** {@value} — events a session may send in a burst. */
    public static final int DEFAULT_EVENT_BURST = 100;
    /** {@value} — new sessions per second from one client address (0 disables). */
    public static final double DEFAULT_MAX_CONNECTIONS_PER_SECOND_PER_ADDRESS = 50;
    /** {@value} — new sessions one address may open in a burst. */
    public static final int DEFAULT_CONNECTION_BURST = 100;

    private final Supplier<Backend> backend;
    private final String basePath;
    private final int maxPayloadBytes;
    private final int maxJsonDepth;
    private final int maxRoomsPerSocket;
    private final int maxRoomNameLength;
    private final int maxEventNameLength;
    private final int maxSessions;
    private final int recoveryMaxMessages;
    private final Duration recoveryMaxAge;
    private final long recoveryMaxBytes;
    private final long sessionLogBytesPerWindow;
    private final Duration sessionTimeout;
    private final Duration keepaliveInterval;
    private final Duration expirySweepInterval;
    private final Duration presenceHeartbeat;
    private final Duration presenceOfflineGrace;
    private final int maxPresenceStateBytes;
    private final int maxStreamBufferBytes;
    private final Duration longPollMaxWait;
    private final @Nullable ExecutorService handlerExecutor;
    private final com.fasterxml.jackson.databind.@Nullable ObjectMapper jsonMapper;
    private final List<String> handshakeHeaders;
    private final PayloadValidator payloadValidator;
    private final int maxConcurrentHandlers;
    private final Duration backendTimeout;
    private final Duration readerStallTimeout;
    private final boolean rejectUnknownEvents;
    private final List<String> allowedOrigins;
    private final double maxEventsPerSecond;
    private final int eventBurst;
    private final double maxConnectionsPerSecondPerAddress;
    private final int connectionBurst;
    private final @Nullable String clientAddressHeader;

    private ServerOptions(Builder b) {
        this.backend = b.backend;
        this.basePath = b.basePath;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.maxJsonDepth = b.maxJsonDepth;
        this.maxRoomsPerSocket = b.maxRoomsPerSocket;
        this.maxRoomNameLength = b.maxRoomNameLength;
        this.maxEventNameLength = b.maxEventNameLength;
        this.maxSessions = b.maxSessions;
        this.recoveryMaxMessages = b.recoveryMaxMessages;
        this.recoveryMaxAge = b.recoveryMaxAge;
        this.recoveryMaxBytes = b.recoveryMaxBytes;
        this.sessionLogBytesPerWindow = b.sessionLogBytesPerWindow;
        this.sessionTimeout = b.sessionTimeout;
        this.keepaliveInterval = b.keepaliveInterval;
        this.expirySweepInterval = b.expirySweepInterval;
        this.presenceHeartbeat = b.presenceHeartbeat;
        this.presenceOfflineGrace = b.presenceOfflineGrace;
        this.maxPresenceStateBytes = b.maxPresenceStateBytes;
        this.maxStreamBufferBytes = b.maxStreamBufferBytes;
        this.longPollMaxWait = b.longPollMaxWait;
        this.handlerExecutor = b.handlerExecutor;
        this.jsonMapper = b.jsonMapper;
        this.handshakeHeaders = List.copyOf(b.handshakeHeaders);
        this.payloadValidator = b.payloadValidator;
        this.maxConcurrentHandlers = b.maxConcurrentHandlers;
        this.backendTimeout = b.backendTimeout;
        this.readerStallTimeout = b.readerStallTimeout;
        this.rejectUnknownEvents = b.rejectUnknownEvents;
        this.allowedOrigins = List.copyOf(b.allowedOrigins);
        this.maxEventsPerSecond = b.maxEventsPerSecond;
        this.eventBurst = b.eventBurst;
        this.maxConnectionsPerSecondPerAddress = b.maxConnectionsPerSecondPerAddress;
        this.connectionBurst = b.connectionBurst;
        this.clientAddressHeader = b.clientAddressHeader;
    }

    /** Options with every default: in-memory backend. */
    public static ServerOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.backend = backend;
        b.basePath = basePath;
        b.maxPayloadBytes = maxPayloadBytes;
        b.maxJsonDepth = maxJsonDepth;
        b.maxRoomsPerSocket = maxRoomsPerSocket;
        b.maxRoomNameLength = maxRoomNameLength;
        b.maxEventNameLength = maxEventNameLength;
        b.maxSessions = maxSessions;
        b.recoveryMaxMessages = recoveryMaxMessages;
        b.recoveryMaxAge = recoveryMaxAge;
        b.recoveryMaxBytes = recoveryMaxBytes;
        b.sessionLogBytesPerWindow = sessionLogBytesPerWindow;
        b.sessionTimeout = sessionTimeout;
        b.keepaliveInterval = keepaliveInterval;
        b.expirySweepInterval = expirySweepInterval;
        b.presenceHeartbeat = presenceHeartbeat;
        b.presenceOfflineGrace = presenceOfflineGrace;
        b.maxPresenceStateBytes = maxPresenceStateBytes;
        b.maxStreamBufferBytes = maxStreamBufferBytes;
        b.longPollMaxWait = longPollMaxWait;
        b.handlerExecutor = handlerExecutor;
        b.jsonMapper = jsonMapper;
        b.handshakeHeaders = handshakeHeaders;
        b.payloadValidator = payloadValidator;
        b.maxConcurrentHandlers = maxConcurrentHandlers;
        b.backendTimeout = backendTimeout;
        b.readerStallTimeout = readerStallTimeout;
        b.rejectUnknownEvents = rejectUnknownEvents;
        b.allowedOrigins = allowedOrigins;
        b.maxEventsPerSecond = maxEventsPerSecond;
        b.eventBurst = eventBurst;
        b.maxConnectionsPerSecondPerAddress = maxConnectionsPerSecondPerAddress;
        b.connectionBurst = connectionBurst;
        b.clientAddressHeader = clientAddressHeader;
        return b;
    }

    /** A new backend instance for a server (each server gets its own). */
    public Backend newBackend() {
        return backend.get();
    }

    /** Base path of the protocol endpoints; default {@link #DEFAULT_BASE_PATH}. */
    public String basePath() {
        return basePath;
    }

    /** Largest request body / payload in bytes; default {@link #DEFAULT_MAX_PAYLOAD_BYTES}. Over it: 413. */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** Deepest JSON nesting; default {@link #DEFAULT_MAX_JSON_DEPTH}. Deeper: 400 invalid_json. */
    public int maxJsonDepth() {
        return maxJsonDepth;
    }

    /** Rooms per socket; default {@link #DEFAULT_MAX_ROOMS_PER_SOCKET}. */
    public int maxRoomsPerSocket() {
        return maxRoomsPerSocket;
    }

    /** Longest room name; default {@link #DEFAULT_MAX_ROOM_NAME_LENGTH}. */
    public int maxRoomNameLength() {
        return maxRoomNameLength;
    }

    /** Longest event name; default {@link #DEFAULT_MAX_EVENT_NAME_LENGTH}. */
    public int maxEventNameLength() {
        return maxEventNameLength;
    }

    /** Sessions the deployment may hold; default {@link #DEFAULT_MAX_SESSIONS}. Over it: 503. */
    public int maxSessions() {
        return maxSessions;
    }

    /** Log entries kept for resume; default {@link #DEFAULT_RECOVERY_MAX_MESSAGES}. */
    public int recoveryMaxMessages() {
        return recoveryMaxMessages;
    }

    /**
     * Oldest entry replayed on resume; default {@link #DEFAULT_RECOVERY_MAX_AGE}. The backend's log and
     * each instance's recent entries also drop entries older than this.
     */
    public Duration recoveryMaxAge() {
        return recoveryMaxAge;
    }

    /**
     * The recovery window by bytes; default {@link #DEFAULT_RECOVERY_MAX_BYTES}. The backend's log
     * keeps at most this many bytes of entries (the sum of their encoded lengths; in Redis, of the
     * stream's entries), and each instance keeps at most this many bytes of recent entries decoded
     * for replays. Past it the oldest entries are trimmed, whatever {@link #recoveryMaxMessages()}
     * allows; a client resuming from before them gets {@code __missed}. Memory per instance for the
     * log is therefore about this bound (twice with the in-memory backend, which holds the log in
     * the same heap), whatever clients send.
     *
     * @since 0.3
     */
    public long recoveryMaxBytes() {
        return recoveryMaxBytes;
    }

    /**
     * The fairness budget: how many bytes of log entries the emits made by one session's handlers
     * (through the socket, ack and broadcast operators a handler is given) may append per {@link
     * #recoveryMaxAge()}; default {@link #DEFAULT_SESSION_LOG_BYTES_PER_WINDOW}, 0 disables it. It is a
     * byte bucket holding this many bytes, refilled at this many per {@code recoveryMaxAge}: within
     * any recovery window one session appends at most twice this, so it alone can take at most that
     * share of {@link #recoveryMaxBytes()} and cannot push everyone else's messages out of the
     * window. An emit over it fails with {@code 429 log_budget_exceeded} (the client's event is
     * answered with it unless the handler catches the {@link SocketServeException}). Counted per
     * instance. Emits made through the server ({@code server.to(room).emit(…)}) are not counted:
     * they are the application's own.
     *
     * @since 0.3
     */
    public long sessionLogBytesPerWindow() {
        return sessionLogBytesPerWindow;
    }

    /**
     * Detached time after which a session ends; default {@link #DEFAULT_SESSION_TIMEOUT}. Counted from
     * the end of its last stream, or its last poll or event; to save a backend call per message, an
     * instance refreshes a session's expiry on events at most every tenth of this, so a session that
     * only sends events (no stream, no poll) may end up to 10% early.
     */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** Keepalive period; default {@link #DEFAULT_KEEPALIVE_INTERVAL}. */
    public Duration keepaliveInterval() {
        return keepaliveInterval;
    }

    /** Expiry sweep period; default {@link #DEFAULT_EXPIRY_SWEEP_INTERVAL}. */
    public Duration expirySweepInterval() {
        return expirySweepInterval;
    }

    /**
     * Presence heartbeat; default {@link #DEFAULT_PRESENCE_HEARTBEAT}. A tracked session counts as
     * present for 1.5 heartbeats after its instance last confirmed it, and instances look for lapsed
     * sessions every quarter heartbeat: a session whose instance crashed leaves the presence lists
     * (with {@code leave} events) within 1.75 heartbeats, unless its client reconnects first.
     */
    public Duration presenceHeartbeat() {
        return presenceHeartbeat;
    }

    /** Grace period before a user counts as offline; default {@link #DEFAULT_PRESENCE_OFFLINE_GRACE}. */
    public Duration presenceOfflineGrace() {
        return presenceOfflineGrace;
    }

    /** Largest presence state in bytes of JSON; default {@link #DEFAULT_MAX_PRESENCE_STATE_BYTES}. */
    public int maxPresenceStateBytes() {
        return maxPresenceStateBytes;
    }

    /**
     * Unwritten bytes one stream may hold; default {@link #DEFAULT_MAX_STREAM_BUFFER_BYTES}. When a
     * client reads too slowly and its buffer passes this, the server closes the stream; the client
     * resumes from its last position.
     */
    public int maxStreamBufferBytes() {
        return maxStreamBufferBytes;
    }

    /** Longest long-poll; default {@link #DEFAULT_LONG_POLL_MAX_WAIT}. */
    public Duration longPollMaxWait() {
        return longPollMaxWait;
    }

    /**
     * Executor for handlers, or {@code null} for the default: virtual threads when the JDK has them
     * (21+), else a pool of {@code max(16, 8 × cores)} platform threads.
     */
    public @Nullable ExecutorService handlerExecutor() {
        return handlerExecutor;
    }

    /**
     * The application's Jackson mapper payloads are bound and written with, or {@code null} (default)
     * for a plain one with the modules found on the class path. See {@link
     * Builder#jsonMapper(com.fasterxml.jackson.databind.ObjectMapper)}.
     *
     * @since 0.2
     */
    public com.fasterxml.jackson.databind.@Nullable ObjectMapper jsonMapper() {
        return jsonMapper;
    }

    /**
     * Request headers of the connect request that are stored with the session (values up to 1 KiB)
     * and shown by {@link RemoteSocket#handshake()}; default none. Name only what you need: they are
     * stored for the life of every session (never {@code Cookie} or {@code Authorization}).
     *
     * @since 0.2
     */
    public List<String> handshakeHeaders() {
        return handshakeHeaders;
    }

    /** Checks bound payloads before typed handlers run; default {@link PayloadValidator#NONE}. @since 0.2 */
    public PayloadValidator payloadValidator() {
        return payloadValidator;
    }

    /** Handler invocations in flight; default {@link #DEFAULT_MAX_CONCURRENT_HANDLERS}. Over it: 503. */
    public int maxConcurrentHandlers() {
        return maxConcurrentHandlers;
    }

    /** Longest wait of a blocking call on the backend; default {@link #DEFAULT_BACKEND_TIMEOUT}. */
    public Duration backendTimeout() {
        return backendTimeout;
    }

    /**
     * How long the log reader may show no progress while the backend answers before {@link
     * SocketServer#health()} reports it stalled; default {@link #DEFAULT_READER_STALL_TIMEOUT}. Every
     * instance reads the whole log and delivers it to its attached clients; the reader shows progress
     * when it processes new entries or is found caught up with the log's head, which the server
     * checks every quarter of this timeout (one read of the head from the backend). Time before the
     * backend's last trouble (a failed read, a lost log subscription) does not count.
     *
     * @since 0.2
     */
    public Duration readerStallTimeout() {
        return readerStallTimeout;
    }

    /** Whether events without a handler are answered 422 {@code unknown_event} (default: ignored). */
    public boolean rejectUnknownEvents() {
        return rejectUnknownEvents;
    }

    /**
     * Origins allowed to call the endpoints cross-origin (exact {@code scheme://host[:port]}); empty
     * (the default) allows same-origin only. {@code "*"} allows any origin, without credentials.
     */
    public List<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * Events per second a session may send, refilled continuously; default {@link
     * #DEFAULT_MAX_EVENTS_PER_SECOND}, 0 for no limit. Over it: {@code 429 rate_limited} with {@code
     * Retry-After}. Shared by all instances when the backend supports it (Redis does).
     */
    public double maxEventsPerSecond() {
        return maxEventsPerSecond;
    }

    /** Burst size of the event limit; default {@link #DEFAULT_EVENT_BURST}. */
    public int eventBurst() {
        return eventBurst;
    }

    /**
     * New sessions per second from one client address; default {@link
     * #DEFAULT_MAX_CONNECTIONS_PER_SECOND_PER_ADDRESS}, 0 for no limit. Over it: {@code 429}.
     */
    public double maxConnectionsPerSecondPerAddress() {
        return maxConnectionsPerSecondPerAddress;
    }

    /** Burst size of the connection limit; default {@link #DEFAULT_CONNECTION_BURST}. */
    public int connectionBurst() {
        return connectionBurst;
    }

    /**
     * Header holding the client's address when the server sits behind a proxy it trusts (e.g. {@code
     * X-Forwarded-For}): its <em>last</em> address is used — the one the trusted proxy appended;
     * earlier ones were sent by the client. {@code null} (default) uses the peer address. Never set
     * this when clients can reach the server directly: they could forge the header.
     */
    public @Nullable String clientAddressHeader() {
        return clientAddressHeader;
    }

    /** Builds {@link ServerOptions}. */
    public static final class Builder {
        private Supplier<Backend> backend = InMemoryBackend::new;
        private String basePath = DEFAULT_BASE_PATH;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int maxJsonDepth = DEFAULT_MAX_JSON_DEPTH;
        private int maxRoomsPerSocket = DEFAULT_MAX_ROOMS_PER_SOCKET;
        private int maxRoomNameLength = DEFAULT_MAX_ROOM_NAME_LENGTH;
        private int maxEventNameLength = DEFAULT_MAX_EVENT_NAME_LENGTH;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private int recoveryMaxMessages = DEFAULT_RECOVERY_MAX_MESSAGES;
        private Duration recoveryMaxAge = DEFAULT_RECOVERY_MAX_AGE;
        private long recoveryMaxBytes = DEFAULT_RECOVERY_MAX_BYTES;
        private long sessionLogBytesPerWindow = DEFAULT_SESSION_LOG_BYTES_PER_WINDOW;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration keepaliveInterval = DEFAULT_KEEPALIVE_INTERVAL;
        private Duration expirySweepInterval = DEFAULT_EXPIRY_SWEEP_INTERVAL;
        private Duration presenceHeartbeat = DEFAULT_PRESENCE_HEARTBEAT;
        private Duration presenceOfflineGrace = DEFAULT_PRESENCE_OFFLINE_GRACE;
        private int maxPresenceStateBytes = DEFAULT_MAX_PRESENCE_STATE_BYTES;
        private int maxStreamBufferBytes = DEFAULT_MAX_STREAM_BUFFER_BYTES;
        private Duration longPollMaxWait = DEFAULT_LONG_POLL_MAX_WAIT;
        private @Nullable ExecutorService handlerExecutor;
        private com.fasterxml.jackson.databind.@Nullable ObjectMapper jsonMapper;
        private List<String> handshakeHeaders = List.of();
        private PayloadValidator payloadValidator = PayloadValidator.NONE;
        private int maxConcurrentHandlers = DEFAULT_MAX_CONCURRENT_HANDLERS;
        private Duration backendTimeout = DEFAULT_BACKEND_TIMEOUT;
        private Duration readerStallTimeout = DEFAULT_READER_STALL_TIMEOUT;
        private boolean rejectUnknownEvents;
        private List<String> allowedOrigins = List.of();
        private double maxEventsPerSecond = DEFAULT_MAX_EVENTS_PER_SECOND;
        private int eventBurst = DEFAULT_EVENT_BURST;
        private double maxConnectionsPerSecondPerAddress = DEFAULT_MAX_CONNECTIONS_PER_SECOND_PER_ADDRESS;
        private int connectionBurst = DEFAULT_CONNECTION_BURST;
        private @Nullable String clientAddressHeader;

        private Builder() {}

        /** Events per second per session and the burst; {@code perSecond == 0} disables the limit. */
        public Builder eventRateLimit(double perSecond, int burst) {
            if (perSecond < 0 || burst < 1) {
                throw new IllegalArgumentException("perSecond < 0 or burst < 1");
            }
            this.maxEventsPerSecond = perSecond;
            this.eventBurst = burst;
            return this;
        }

        /** New sessions per second per address and the burst; {@code perSecond == 0} disables it. */
        public Builder connectionRateLimit(double perSecond, int burst) {
            if (perSecond < 0 || burst < 1) {
                throw new IllegalArgumentException("perSecond < 0 or burst < 1");
            }
            this.maxConnectionsPerSecondPerAddress = perSecond;
            this.connectionBurst = burst;
            return this;
        }

        /** See {@link ServerOptions#clientAddressHeader()}. */
        public Builder clientAddressHeader(@Nullable String header) {
            this.clientAddressHeader = header;
            return this;
        }

        /** The backend instance (default: a new {@link InMemoryBackend}). The server closes it. */
        public Builder backend(Backend backend) {
            Objects.requireNonNull(backend, "backend == null");
            this.backend = () -> backend;
            return this;
        }

        public Builder basePath(String basePath) {
            Objects.requireNonNull(basePath, "basePath == null");
            if (!basePath.startsWith("/") || basePath.endsWith("/") && basePath.length() > 1) {
                throw new IllegalArgumentException("basePath must start with '/' and not end with '/': " + basePath);
            }
            this.basePath = basePath;
            return this;
        }

        public Builder maxPayloadBytes(int bytes) {
            this.maxPayloadBytes = positive(bytes, "maxPayloadBytes");
            return this;
        }

        public Builder maxJsonDepth(int depth) {
            this.maxJsonDepth = positive(depth, "maxJsonDepth");
            return this;
        }

        public Builder maxRoomsPerSocket(int rooms) {
            this.maxRoomsPerSocket = positive(rooms, "maxRoomsPerSocket");
            return this;
        }

        public Builder maxRoomNameLength(int length) {
            this.maxRoomNameLength = positive(length, "maxRoomNameLength");
            return this;
        }

        public Builder maxEventNameLength(int length) {
            this.maxEventNameLength = positive(length, "maxEventNameLength");
            return this;
        }

        public Builder maxSessions(int sessions) {
            this.maxSessions = positive(sessions, "maxSessions");
            return this;
        }

        public Builder recoveryMaxMessages(int messages) {
            this.recoveryMaxMessages = positive(messages, "recoveryMaxMessages");
            return this;
        }

        public Builder recoveryMaxAge(Duration age) {
            this.recoveryMaxAge = positive(age, "recoveryMaxAge");
            return this;
        }

        /** See {@link ServerOptions#recoveryMaxBytes()}; at least 1. */
        public Builder recoveryMaxBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("recoveryMaxBytes must be positive: " + bytes);
            }
            this.recoveryMaxBytes = bytes;
            return this;
        }

        /** See {@link ServerOptions#sessionLogBytesPerWindow()}; 0 disables the budget. */
        public Builder sessionLogBytesPerWindow(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("sessionLogBytesPerWindow < 0: " + bytes);
            }
            this.sessionLogBytesPerWindow = bytes;
            return this;
        }

        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = positive(timeout, "sessionTimeout");
            return this;
        }

        public Builder keepaliveInterval(Duration interval) {
            this.keepaliveInterval = positive(interval, "keepaliveInterval");
            return this;
        }

        public Builder expirySweepInterval(Duration interval) {
            this.expirySweepInterval = positive(interval, "expirySweepInterval");
            return this;
        }

        /** See {@link ServerOptions#presenceHeartbeat()}; at least 100 ms. */
        public Builder presenceHeartbeat(Duration heartbeat) {
            this.presenceHeartbeat = positive(heartbeat, "presenceHeartbeat");
            if (heartbeat.toMillis() < 100) {
                throw new IllegalArgumentException("presenceHeartbeat must be at least 100 ms: " + heartbeat);
            }
            return this;
        }

        /** See {@link ServerOptions#presenceOfflineGrace()}; zero tells at once. */
        public Builder presenceOfflineGrace(Duration grace) {
            java.util.Objects.requireNonNull(grace, "presenceOfflineGrace == null");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("presenceOfflineGrace < 0: " + grace);
            }
            this.presenceOfflineGrace = grace;
            return this;
        }

        /** See {@link ServerOptions#maxPresenceStateBytes()}. */
        public Builder maxPresenceStateBytes(int bytes) {
            this.maxPresenceStateBytes = positive(bytes, "maxPresenceStateBytes");
            return this;
        }

        public Builder maxStreamBufferBytes(int bytes) {
            this.maxStreamBufferBytes = positive(bytes, "maxStreamBufferBytes");
            return this;
        }

        public Builder longPollMaxWait(Duration wait) {
            this.longPollMaxWait = positive(wait, "longPollMaxWait");
            return this;
        }

        /** Runs handlers on this executor; the server does not shut it down. */
        public Builder handlerExecutor(@Nullable ExecutorService executor) {
            this.handlerExecutor = executor;
            return this;
        }

        /**
         * Binds and writes payloads with the configuration and modules of {@code mapper} (a Spring
         * application's own mapper, say). The server works on a {@linkplain
         * com.fasterxml.jackson.databind.ObjectMapper#copy() copy}, to which it adds what the
         * protocol needs — the nesting limit {@link #maxJsonDepth(int)}, duplicate-key rejection, the
         * binary-payload module — so the application's mapper is never changed.
         *
         * @since 0.2
         */
        public Builder jsonMapper(com.fasterxml.jackson.databind.@Nullable ObjectMapper mapper) {
            this.jsonMapper = mapper;
            return this;
        }

        /** See {@link PayloadValidator}. @since 0.2 */
        public Builder payloadValidator(PayloadValidator validator) {
            this.payloadValidator = java.util.Objects.requireNonNull(validator, "validator == null");
            return this;
        }

        /** See {@link ServerOptions#handshakeHeaders()}. @since 0.2 */
        public Builder handshakeHeaders(List<String> headers) {
            java.util.Objects.requireNonNull(headers, "headers == null");
            if (headers.size() > 16) {
                throw new IllegalArgumentException("at most 16 handshake headers");
            }
            for (String h : headers) {
                String lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.equals("cookie") || lower.equals("authorization") || lower.equals("x-socket-serve-session")) {
                    throw new IllegalArgumentException(h + " holds credentials: it is never stored");
                }
            }
            this.handshakeHeaders = List.copyOf(headers);
            return this;
        }

        public Builder maxConcurrentHandlers(int handlers) {
            this.maxConcurrentHandlers = positive(handlers, "maxConcurrentHandlers");
            return this;
        }

        public Builder backendTimeout(Duration timeout) {
            this.backendTimeout = positive(timeout, "backendTimeout");
            return this;
        }

        /** See {@link ServerOptions#readerStallTimeout()}. @since 0.2 */
        public Builder readerStallTimeout(Duration timeout) {
            this.readerStallTimeout = positive(timeout, "readerStallTimeout");
            return this;
        }

        public Builder rejectUnknownEvents(boolean reject) {
            this.rejectUnknownEvents = reject;
            return this;
        }

        public Builder allowedOrigins(List<String> origins) {
            this.allowedOrigins = List.copyOf(Objects.requireNonNull(origins, "origins == null"));
            return this;
        }

        public ServerOptions build() {
            return new ServerOptions(this);
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " <= 0: " + value);
            }
            return value;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name + " == null");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " <= 0: " + value);
            }
            return value;
        }
    }
}
