package io.socketserve.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.socketserve.ServerStats;
import io.socketserve.SocketServer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds a {@link SocketServer}'s live numbers ({@link SocketServer#stats()}) to a Micrometer {@link
 * MeterRegistry} as {@code socketserve.*} meters: gauges for what is open now, function counters for
 * the totals, function timers (count and total time) for the durations. Every meter reads the
 * engine's own counters when the registry is read (a scrape), so binding costs nothing on the
 * request path: the engine counts with plain {@code LongAdder}s whether or not a registry exists.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * new SocketServeMetrics(server).bindTo(registry);
 * EmbeddedServer.builder(server).metrics(registry::scrape).start(); // GET /metrics
 * }</pre>
 *
 * <p>Tags are of low cardinality only: {@code backend} on every meter ({@code memory}, {@code redis}),
 * {@code transport} on {@code socketserve.sessions.active}, {@code reason} on {@code
 * socketserve.disconnects}, and the extra tags given here (an application name, say). Never a room,
 * a session id or a user. {@code docs/operations.md} describes each meter.
 *
 * <p>The meters refer to the server weakly (Micrometer's default): keep a reference to the server
 * (the application does anyway). Bind one server once per registry.
 *
 * @since 0.2
 */
public final class SocketServeMetrics implements MeterBinder {

    /** Prefix of every meter name. */
    public static final String PREFIX = "socketserve.";

    private final SocketServer server;
    private final Iterable<Tag> extraTags;

    /** Meters of {@code server}, tagged with its backend only. */
    public SocketServeMetrics(SocketServer server) {
        this(server, Tags.empty());
    }

    /** Meters of {@code server}, tagged with its backend and {@code tags}. */
    public SocketServeMetrics(SocketServer server, Iterable<Tag> tags) {
        this.server = Objects.requireNonNull(server, "server == null");
        this.extraTags = Objects.requireNonNull(tags, "tags == null");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry == null");
        ServerStats first = server.stats();
        Tags tags = Tags.of(extraTags).and("backend", first.backend());

        gauge(
                registry,
                tags.and("transport", ServerStats.SSE),
                "sessions.active",
                null,
                "Sessions with an SSE stream attached to this instance",
                ServerStats::sseSessions);
        gauge(
                registry,
                tags.and("transport", ServerStats.POLLING),
                "sessions.active",
                null,
                "Polls in progress on this instance",
                ServerStats::pollingSessions);
        gauge(registry, tags, "streams.open", null, "SSE streams open on this instance", ServerStats::streamsOpen);
        gauge(
                registry,
                tags,
                "rooms.local",
                null,
                "Rooms with at least one member attached to this instance",
                ServerStats::roomsWithLocalMembers);
        gauge(
                registry,
                tags,
                "presence.users",
                null,
                "Distinct users tracked through this instance by sessions that have not ended",
                ServerStats::presenceUsers);
        gauge(
                registry,
                tags,
                "log.reader.lag.entries",
                null,
                "Log entries between the newest head seen and this instance's reader",
                ServerStats::readerLagEntries);
        TimeGauge.builder(PREFIX + "log.reader.lag", server, TimeUnit.MILLISECONDS, s -> s.stats()
                        .readerLagMillis())
                .tags(tags)
                .description("How long this instance's log reader has been behind the newest head seen")
                .register(registry);
        gauge(
                registry,
                tags,
                "handlers.active",
                null,
                "Events being handled now (bounded by maxConcurrentHandlers)",
                ServerStats::handlersInFlight);
        gauge(
                registry,
                tags,
                "dispatcher.queued",
                "bytes",
                "Log entries read but not yet delivered by this instance (bounded at 16 MiB)",
                ServerStats::dispatcherQueuedBytes);

        counter(registry, tags, "connects", null, "Sessions created by connects answered here", ServerStats::connects);
        for (String reason : first.disconnects().keySet()) {
            counter(
                    registry,
                    tags.and("reason", reason),
                    "disconnects",
                    null,
                    "Sessions this instance ended, by reason",
                    s -> s.disconnects().getOrDefault(reason, 0L));
        }
        counter(
                registry,
                tags,
                "events.received",
                null,
                "Event POSTs accepted for handling",
                ServerStats::eventsReceived);
        counter(
                registry,
                tags,
                "events.handled",
                null,
                "Events whose handler returned normally",
                ServerStats::eventsHandled);
        counter(
                registry,
                tags,
                "events.failed",
                null,
                "Events whose middleware or handler threw",
                ServerStats::eventsFailed);
        counter(registry, tags, "rate.limited", null, "Requests answered 429 (rate limits)", ServerStats::rateLimited);
        counter(registry, tags, "emits", null, "Messages appended to the log by this instance", ServerStats::emits);
        counter(
                registry,
                tags,
                "deliveries",
                null,
                "Frames handed to this instance's clients (live and replayed)",
                ServerStats::deliveries);
        counter(
                registry,
                tags,
                "deliveries.bytes",
                "bytes",
                "Bytes of the frames counted in deliveries",
                ServerStats::bytesWritten);
        counter(
                registry,
                tags,
                "resumes",
                null,
                "Streams that resumed from a position the client named",
                ServerStats::resumes);
        counter(
                registry,
                tags,
                "replayed",
                null,
                "Frames sent from history on resumes and polls",
                ServerStats::replayedFrames);
        counter(registry, tags, "missed.sent", null, "__missed notices sent", ServerStats::missedSent);
        counter(
                registry,
                tags,
                "ack.timeouts",
                null,
                "Server-to-client acknowledgements that timed out",
                ServerStats::ackTimeouts);
        counter(
                registry,
                tags,
                "slow.client.cuts",
                null,
                "SSE streams closed because the client did not read",
                ServerStats::slowClientCuts);
        counter(
                registry,
                tags,
                "backend.errors",
                null,
                "Backend failures seen by this instance",
                ServerStats::backendErrors);
        counter(
                registry,
                tags,
                "unavailable.responses",
                null,
                "Requests answered 503",
                ServerStats::unavailableResponses);

        timer(
                registry,
                tags,
                "ack.latency",
                "Round trip of server-to-client acknowledgements answered",
                ServerStats::ackLatency);
        timer(
                registry,
                tags,
                "handler.duration",
                "Event handling: middleware, onAny listeners and the handler",
                ServerStats::handlerDuration);
        timer(
                registry,
                tags,
                "log.append.latency",
                "Appends of messages to the log, until the backend answered",
                ServerStats::logAppend);
    }

    private void gauge(
            MeterRegistry registry,
            Tags tags,
            String name,
            @org.jspecify.annotations.Nullable String unit,
            String description,
            ToLongFunction<ServerStats> value) {
        Gauge.Builder<SocketServer> b = Gauge.builder(PREFIX + name, server, s -> value.applyAsLong(s.stats()))
                .tags(tags)
                .description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }

    private void counter(
            MeterRegistry registry,
            Tags tags,
            String name,
            @org.jspecify.annotations.Nullable String unit,
            String description,
            ToLongFunction<ServerStats> value) {
        ToDoubleFunction<SocketServer> f = s -> value.applyAsLong(s.stats());
        FunctionCounter.Builder<SocketServer> b =
                FunctionCounter.builder(PREFIX + name, server, f).tags(tags).description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }

    private void timer(
            MeterRegistry registry,
            Tags tags,
            String name,
            String description,
            java.util.function.Function<ServerStats, ServerStats.Timing> timing) {
        FunctionTimer.builder(
                        PREFIX + name,
                        server,
                        s -> timing.apply(s.stats()).count(),
                        s -> timing.apply(s.stats()).totalNanos(),
                        TimeUnit.NANOSECONDS)
                .tags(tags)
                .description(description)
                .register(registry);
    }
}
