package io.socketserve.spring.boot;

import io.socketserve.ServerOptions;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code socketserve.*} properties. Each default is the {@link ServerOptions} default of the same
 * name ({@code ServerOptions.DEFAULT_*}); a {@link ServerOptionsCustomizer} can override any of them.
 *
 * <pre>
 * socketserve.path=/socket
 * socketserve.backend=redis
 * socketserve.redis.url=redis://localhost:6379
 * socketserve.cors.allowed-origins=https://app.example.com
 * socketserve.limits.max-payload-bytes=65536
 * </pre>
 *
 * @param path where the servlet is mounted on the application's port; the protocol's endpoints are
 *     below it ({@code /socket/connect}, {@code /socket/sse}, …)
 * @param backend where sessions, rooms and the message log live
 * @param redis the Redis backend, when {@code backend=redis}
 * @param cors cross-origin access
 * @param heartbeat keepalive period of an idle stream ({@code ServerOptions.keepaliveInterval})
 * @param streamCompression gzip level 1..9 for event streams of clients that accept it, 0 (the
 *     default) for plain streams; each compressed stream costs a deflate state (~256 KiB native)
 * @param sessionTimeout detached time after which a session ends
 * @param longPollMaxWait longest long-poll
 * @param expirySweepInterval period of the session expiry sweep
 * @param backendTimeout longest wait of a blocking call on the backend (and of the health check)
 * @param readerStallTimeout how long the log reader may show no progress while the backend answers
 *     before the health indicator reports it stalled ({@code DOWN})
 * @param rejectUnknownEvents answer an event that has no handler with an error instead of dropping it
 * @param clientAddressHeader header holding the client address behind a trusted proxy (e.g. {@code
 *     X-Forwarded-For}); unset to use the peer address
 * @param handshakeHeaders connect-request headers stored with each session (never {@code Cookie} or
 *     {@code Authorization})
 * @param recovery what a reconnecting client can get back
 * @param presence presence tracking
 * @param limits every limit of {@code docs/security.md}
 */
@ConfigurationProperties("socketserve")
public record SocketServeProperties(
        @DefaultValue(ServerOptions.DEFAULT_BASE_PATH) String path,
        @DefaultValue("memory") BackendType backend,
        @DefaultValue Redis redis,
        @DefaultValue Cors cors,
        @DefaultValue("25s") Duration heartbeat,
        @DefaultValue("0") int streamCompression,
        @DefaultValue("60s") Duration sessionTimeout,
        @DefaultValue("30s") Duration longPollMaxWait,
        @DefaultValue("5s") Duration expirySweepInterval,
        @DefaultValue("10s") Duration backendTimeout,
        @DefaultValue("30s") Duration readerStallTimeout,
        @DefaultValue("false") boolean rejectUnknownEvents,
        @Nullable String clientAddressHeader,
        @DefaultValue List<String> handshakeHeaders,
        @DefaultValue Recovery recovery,
        @DefaultValue Presence presence,
        @DefaultValue Limits limits) {

    /** The backend: {@code memory} (one instance) or {@code redis} (any number of instances). */
    public enum BackendType {
        /** In this JVM only: sessions end when it stops. */
        MEMORY,
        /** Redis: sessions survive an instance and every instance sees every room. */
        REDIS
    }

    /**
     * The Redis backend.
     *
     * @param url the Redis URI, e.g. {@code redis://localhost:6379}, {@code rediss://…}, or {@code
     *     redis-sentinel://s1:26379,s2:26379#mymaster}; ignored when {@code clusterNodes} is set
     * @param clusterNodes seed nodes of a Redis Cluster ({@code redis://host:port} each); empty for
     *     one Redis or Sentinel
     * @param keyPrefix what every key starts with (default {@code ss})
     * @param partitions the number of partitions of the log (default 1), the same on every
     *     instance; on a Redis Cluster of N masters a multiple of N (see docs/scaling.md)
     */
    public record Redis(
            @DefaultValue("redis://localhost:6379") String url,
            @DefaultValue List<String> clusterNodes,
            @DefaultValue("ss") String keyPrefix,
            @DefaultValue("1") int partitions) {}

    /**
     * Cross-origin access.
     *
     * @param allowedOrigins origins a browser may connect from ({@code *} for any); empty for
     *     same-origin only
     */
    public record Cors(@DefaultValue List<String> allowedOrigins) {}

    /**
     * What a reconnecting client can get back.
     *
     * @param maxMessages log entries kept for resume
     * @param maxAge oldest entry replayed on resume
     * @param maxBytes bytes of log entries kept for resume, in the backend and per instance ({@link
     *     ServerOptions#recoveryMaxBytes()})
     * @param sessionBytesPerWindow bytes one session's handlers may append per {@code maxAge}, 0 for no
     *     budget ({@link ServerOptions#sessionLogBytesPerWindow()})
     */
    public record Recovery(
            @DefaultValue("100000") int maxMessages,
            @DefaultValue("2m") Duration maxAge,
            @DefaultValue("64MB") DataSize maxBytes,
            @DefaultValue("4MB") DataSize sessionBytesPerWindow) {}

    /**
     * Presence tracking.
     *
     * @param heartbeat how often a tracked session proves it is alive
     * @param offlineGrace time before a user counts as offline
     * @param maxStateBytes largest presence state in bytes of JSON
     */
    public record Presence(
            @DefaultValue("5s") Duration heartbeat,
            @DefaultValue("10s") Duration offlineGrace,
            @DefaultValue("4096") int maxStateBytes) {}

    /**
     * Every limit (see {@code docs/security.md}).
     *
     * @param maxPayloadBytes largest request body or payload (over it: 413)
     * @param maxJsonDepth deepest JSON nesting (deeper: 400)
     * @param maxRoomsPerSocket rooms one socket may be in
     * @param maxRoomNameLength longest room name
     * @param maxEventNameLength longest event name
     * @param maxSessions sessions the deployment may hold (over it: 503)
     * @param maxStreamBufferBytes unwritten bytes one stream may hold before its client is cut off
     *     (it resumes later)
     * @param maxConcurrentHandlers handler invocations in flight (over it: 503)
     * @param maxEventsPerSecond events per second per session, 0 for no limit (over it: 429)
     * @param eventBurst burst size of the event limit
     * @param maxConnectionsPerSecondPerAddress connects per second per client address, 0 for no
     *     limit (over it: 429)
     * @param connectionBurst burst size of the connection limit
     */
    public record Limits(
            @DefaultValue("1048576") int maxPayloadBytes,
            @DefaultValue("64") int maxJsonDepth,
            @DefaultValue("100") int maxRoomsPerSocket,
            @DefaultValue("256") int maxRoomNameLength,
            @DefaultValue("128") int maxEventNameLength,
            @DefaultValue("200000") int maxSessions,
            @DefaultValue("1048576") int maxStreamBufferBytes,
            @DefaultValue("10000") int maxConcurrentHandlers,
            @DefaultValue("50") double maxEventsPerSecond,
            @DefaultValue("100") int eventBurst,
            @DefaultValue("50") double maxConnectionsPerSecondPerAddress,
            @DefaultValue("100") int connectionBurst) {}

    /** These properties applied to {@code builder}. */
    public ServerOptions.Builder applyTo(ServerOptions.Builder builder) {
        builder.basePath(path)
                .allowedOrigins(cors.allowedOrigins())
                .keepaliveInterval(heartbeat)
                .sessionTimeout(sessionTimeout)
                .longPollMaxWait(longPollMaxWait)
                .expirySweepInterval(expirySweepInterval)
                .backendTimeout(backendTimeout)
                .readerStallTimeout(readerStallTimeout)
                .rejectUnknownEvents(rejectUnknownEvents)
                .clientAddressHeader(clientAddressHeader)
                .handshakeHeaders(handshakeHeaders)
                .recoveryMaxMessages(recovery.maxMessages())
                .recoveryMaxAge(recovery.maxAge())
                .recoveryMaxBytes(recovery.maxBytes().toBytes())
                .sessionLogBytesPerWindow(recovery.sessionBytesPerWindow().toBytes())
                .presenceHeartbeat(presence.heartbeat())
                .presenceOfflineGrace(presence.offlineGrace())
                .maxPresenceStateBytes(presence.maxStateBytes())
                .maxPayloadBytes(limits.maxPayloadBytes())
                .maxJsonDepth(limits.maxJsonDepth())
                .maxRoomsPerSocket(limits.maxRoomsPerSocket())
                .maxRoomNameLength(limits.maxRoomNameLength())
                .maxEventNameLength(limits.maxEventNameLength())
                .maxSessions(limits.maxSessions())
                .maxStreamBufferBytes(limits.maxStreamBufferBytes())
                .maxConcurrentHandlers(limits.maxConcurrentHandlers())
                .eventRateLimit(limits.maxEventsPerSecond(), limits.eventBurst())
                .connectionRateLimit(limits.maxConnectionsPerSecondPerAddress(), limits.connectionBurst());
        return builder;
    }
}
