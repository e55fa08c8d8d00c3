package io.socketserve.bench.workload;

import io.socketserve.bench.driver.ClientSession;
import io.socketserve.bench.driver.DriverStats;
import io.socketserve.bench.driver.ProtocolDriver;
import io.socketserve.bench.server.Quiet;
import io.socketserve.bench.server.ServerHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rooms of subscribers and publishers broadcasting to them: the fan-out scenario (one room) and the
 * many-rooms scenario (message {@code seq} goes to room {@code seq % rooms}). Subscribers are set up
 * once (connect, join, open the stream); then, for each rate, the publishers run open-loop for the
 * step's duration, the generator waits for the deliveries to drain, and the step's numbers are taken.
 */
public final class BroadcastWorkload {

    private static final Logger log = LoggerFactory.getLogger(BroadcastWorkload.class);

    /**
     * @param rooms number of rooms
     * @param membersPerRoom subscribers per room
     * @param rates the steps' publish rates (messages per second, all rooms together)
     * @param seconds duration of each step
     * @param warmupSeconds a first step at the lowest rate whose numbers are dropped (0: none)
     * @param publishers publishing sessions (each has one POST in flight at a time)
     * @param payloadBytes size of each message's JSON payload
     * @param setupConcurrency subscribers being set up at once
     * @param maxOtherCpu a step during which other processes used more CPU than this (% of one core)
     *     is repeated, after waiting for the machine to be quiet
     * @param retries how many times a step may be repeated
     */
    public record Config(
            String scenario,
            int rooms,
            int membersPerRoom,
            List<Integer> rates,
            double seconds,
            double warmupSeconds,
            int publishers,
            int payloadBytes,
            int setupConcurrency,
            double maxOtherCpu,
            int retries) {

        /** A configuration that never repeats a step. */
        public Config(
                String scenario,
                int rooms,
                int membersPerRoom,
                List<Integer> rates,
                double seconds,
                double warmupSeconds,
                int publishers,
                int payloadBytes,
                int setupConcurrency) {
            this(
                    scenario,
                    rooms,
                    membersPerRoom,
                    rates,
                    seconds,
                    warmupSeconds,
                    publishers,
                    payloadBytes,
                    setupConcurrency,
                    Double.MAX_VALUE,
                    0);
        }
    }

    private final Config config;
    private volatile @Nullable Step current;
    private int subscribersOn = -1;
    private int publishersOn = -1;
    private long counterPeriodNanos;

    public BroadcastWorkload(Config config) {
        this.config = Objects.requireNonNull(config, "config == null");
    }

    /**
     * Puts every subscriber on instance {@code subscribersOn} and every publisher on instance {@code
     * publishersOn} (indexes into the driver's endpoints; -1: spread round-robin, the default).
     */
    public BroadcastWorkload placement(int subscribersOn, int publishersOn) {
        this.subscribersOn = subscribersOn;
        this.publishersOn = publishersOn;
        return this;
    }

    /**
     * Measures Redis commands and the other counters over windows that last a whole number of {@code
     * period}s: the background window before the step lasts one period (instead of two seconds), and
     * the step's window is stretched to the next multiple after the step drained. With the period of
     * a periodic cost — the session heartbeat, every 10 s, refreshes every attached session: with
     * 20,000 subscribers more commands than 10 s of broadcasts — each window holds as many of them
     * as its length predicts, instead of one more or one less.
     */
    public BroadcastWorkload counterPeriod(java.time.Duration period) {
        this.counterPeriodNanos = period.toNanos();
        return this;
    }

    private int instance(int placement, int i, ProtocolDriver driver) {
        return placement >= 0 ? placement : i % driver.instances();
    }

    /**
     * Runs every step.
     *
     * @param redisCommands total Redis commands so far, or {@code null} without Redis
     */
    public List<StepResult> run(
            ProtocolDriver driver, ServerHandle server, @Nullable Supplier<Map<String, Long>> redisCommands)
            throws Exception {
        return run(driver, server, redisCommands, null);
    }

    /**
     * Runs every step.
     *
     * @param redisCommands total Redis commands so far by command, or {@code null} without Redis
     * @param counters any other monotonic counters (Redis CPU, an instance's CPU…), or {@code null}:
     *     each step reports each one's growth per acknowledged broadcast, its background rate
     *     (measured for two seconds before the step) subtracted, in {@link
     *     StepResult#countersPerBroadcast()}
     */
    public List<StepResult> run(
            ProtocolDriver driver,
            ServerHandle server,
            @Nullable Supplier<Map<String, Long>> redisCommands,
            @Nullable Supplier<Map<String, Long>> counters)
            throws Exception {
        int subscribers = config.rooms() * config.membersPerRoom();
        int[] members = new int[config.rooms()];
        List<Subscriber> subs = new ArrayList<>(subscribers);
        for (int i = 0; i < subscribers; i++) {
            subs.add(new Subscriber(i % config.rooms(), () -> current));
        }
        long setupStart = System.nanoTime();
        Ramp.Outcome<ClientSession> opened = Ramp.run(subscribers, config.setupConcurrency(), i -> {
                    Subscriber s = subs.get(i);
                    return driver.connect(instance(subscribersOn, i, driver)).thenCompose(session -> session.emit(
                                    "join", ("{\"room\":\"r" + s.room + "\"}").getBytes(StandardCharsets.US_ASCII))
                            .thenCompose(v -> session.openStream(s))
                            .thenApply(v -> session));
                })
                .get(10, TimeUnit.MINUTES);
        List<ClientSession> sessions = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            ClientSession s = opened.results().get(i);
            if (s != null) {
                sessions.add(s);
                members[subs.get(i).room]++;
            }
        }
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
        log.info(
                "{}: {} of {} subscribers ready in {} s ({} failed{})",
                config.scenario(),
                sessions.size(),
                subscribers,
                String.format("%.1f", setupSeconds),
                opened.failures(),
                opened.firstFailure() == null ? "" : ": " + opened.firstFailure());

        List<StepResult> results = new ArrayList<>();
        long seq = 0;
        try {
            if (config.warmupSeconds() > 0) {
                int rate = config.rates().stream().min(Integer::compare).orElse(100);
                Step warm = new Step(seq, config.rooms());
                StepResult r = step(warm, rate, config.warmupSeconds(), driver, server, members, null, null);
                seq += warm.sent;
                log.info(
                        "{}: warm-up at {} msg/s: {} deliveries, p99 {} ms",
                        config.scenario(),
                        rate,
                        r.delivered(),
                        r.p99());
            }
            for (int rate : config.rates()) {
                StepResult r = null;
                for (int attempt = 0; attempt <= config.retries(); attempt++) {
                    if (r != null) {
                        log.info(
                                "{}: other processes took {}% CPU during the step: repeating it",
                                config.scenario(), r.otherCpu());
                        Quiet.await(Math.min(25, config.maxOtherCpu()), 300);
                    }
                    Step step = new Step(seq, config.rooms());
                    r = step(step, rate, config.seconds(), driver, server, members, redisCommands, counters);
                    seq += step.sent;
                    if (r.otherCpu() <= config.maxOtherCpu()) {
                        break;
                    }
                }
                results.add(r);
                log.info(
                        "{}: {} subs × {} msg/s → {}/s of {}/s offered, p50 {} p99 {} max {} ms, lost {}, server CPU {}%",
                        config.scenario(),
                        r.subscribers(),
                        rate,
                        Math.round(r.deliveredPerSec()),
                        Math.round(r.offeredPerSec()),
                        r.p50(),
                        r.p99(),
                        r.max(),
                        r.lost(),
                        r.serverCpu());
            }
        } finally {
            current = null;
            for (ClientSession s : sessions) {
                s.close();
            }
        }
        return results;
    }

    private StepResult step(
            Step step,
            int rate,
            double seconds,
            ProtocolDriver driver,
            ServerHandle server,
            int[] members,
            @Nullable Supplier<Map<String, Long>> redisCommands,
            @Nullable Supplier<Map<String, Long>> counters)
            throws Exception {
        // Fresh publishing sessions for every step: sessions that only POST expire when a step waits
        // longer than the session timeout for a quiet machine.
        Ramp.Outcome<ClientSession> pubs = Ramp.run(
                        config.publishers(),
                        config.publishers(),
                        i -> driver.connect(instance(publishersOn, i, driver)))
                .get(1, TimeUnit.MINUTES);
        List<ClientSession> pubSessions =
                pubs.results().stream().filter(Objects::nonNull).toList();
        if (pubSessions.isEmpty()) {
            throw new IllegalStateException("no publisher could connect: " + pubs.firstFailure());
        }
        try {
            return step(
                    step,
                    rate,
                    seconds,
                    new Publisher(pubSessions, config.payloadBytes()),
                    pubSessions.size(),
                    driver,
                    server,
                    members,
                    redisCommands,
                    counters);
        } finally {
            pubSessions.forEach(ClientSession::close);
        }
    }

    private StepResult step(
            Step step,
            int rate,
            double seconds,
            Publisher publisher,
            int publisherCount,
            ProtocolDriver driver,
            ServerHandle server,
            int[] members,
            @Nullable Supplier<Map<String, Long>> redisCommands,
            @Nullable Supplier<Map<String, Long>> counters) {
        DriverStats ds = driver.stats();
        long cut0 = ds.streamsClosedByServer();
        long resumes0 = ds.resumes();
        long missed0 = ds.missedNotices();
        // Redis commands that run without any broadcast (heartbeats, expiry sweeps, blocked XREADs
        // timing out) are measured for two seconds first and subtracted, command by command.
        Map<String, Long> redis0 = Map.of();
        Map<String, Double> redisBackgroundPerNano = new TreeMap<>();
        Map<String, Long> counters0 = Map.of();
        Map<String, Double> countersBackgroundPerNano = new TreeMap<>();
        long redisT0 = System.nanoTime();
        if (redisCommands != null || counters != null) {
            Map<String, Long> before = redisCommands == null ? Map.of() : redisCommands.get();
            Map<String, Long> countersBefore = counters == null ? Map.of() : counters.get();
            long t = System.nanoTime();
            sleepNanos(counterPeriodNanos > 0 ? counterPeriodNanos : TimeUnit.SECONDS.toNanos(2));
            redis0 = redisCommands == null ? Map.of() : redisCommands.get();
            counters0 = counters == null ? Map.of() : counters.get();
            long elapsed = System.nanoTime() - t;
            rates(before, redis0, elapsed, redisBackgroundPerNano);
            rates(countersBefore, counters0, elapsed, countersBackgroundPerNano);
            redisT0 = System.nanoTime();
        }
        current = step;
        CpuMeter cpu = new CpuMeter(server);
        long start = System.nanoTime();
        Publisher.Sent sent = publisher.run(step, rate, seconds, TimeUnit.SECONDS.toNanos(2));
        long windowEnd = start + (long) (seconds * 1e9);
        // Deliveries inside the step's own window count for the rate; the drain only settles losses.
        long deliveredInWindow;
        long now = System.nanoTime();
        if (now < windowEnd) {
            sleepNanos(windowEnd - now);
        }
        deliveredInWindow = step.delivered.sum();
        double[] cpuPercent = cpu.percent();
        java.util.Map<String, Double> threads = cpu.serverThreads();
        long rss = server.rssBytes();
        publisher.awaitIdle(publisherCount, TimeUnit.SECONDS.toNanos(30));
        long expected = step.expected(members);
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < drainDeadline) {
            long d = step.delivered.sum();
            if (d >= expected) {
                break;
            }
            if (d != lastCount) {
                lastCount = d;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(3)) {
                break;
            }
            sleepNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        sleepNanos(TimeUnit.MILLISECONDS.toNanos(200)); // late duplicates would show up here
        if (counterPeriodNanos > 0 && (redisCommands != null || counters != null)) {
            long elapsed = System.nanoTime() - redisT0;
            long periods = (elapsed + counterPeriodNanos - 1) / counterPeriodNanos;
            sleepNanos(Math.max(0, redisT0 + periods * counterPeriodNanos - System.nanoTime()));
        }
        Long redisPerBroadcast = null;
        Map<String, Double> redisBreakdown = null;
        Map<String, Double> countersPerBroadcast = null;
        long acked = step.acked();
        if (redisCommands != null && acked > 0) {
            redisBreakdown = perBroadcast(
                    redis0, redisCommands.get(), redisBackgroundPerNano, System.nanoTime() - redisT0, acked);
            redisBreakdown.values().removeIf(v -> Math.abs(v) < 0.01);
            redisPerBroadcast = Math.round(redisBreakdown.values().stream()
                    .mapToDouble(Double::doubleValue)
                    .sum());
        }
        if (counters != null && acked > 0) {
            countersPerBroadcast = perBroadcast(
                    counters0, counters.get(), countersBackgroundPerNano, System.nanoTime() - redisT0, acked);
        }
        if (sent.maxBacklog() > publisherCount) {
            log.warn(
                    "{}: all {} publishers were busy at times (backlog up to {} messages): the server answered"
                            + " POSTs slowly; more publishers would offer more",
                    config.scenario(),
                    publisherCount,
                    sent.maxBacklog());
        }
        if (step.firstFailure.get() != null) {
            log.warn(
                    "{}: {} publishes failed, the first with: {}",
                    config.scenario(),
                    step.publishFailures.sum(),
                    step.firstFailure.get().toString());
        }
        long delivered = step.delivered.sum();
        Histogram h = step.latency.merged();
        int subscribers = 0;
        for (int m : members) {
            subscribers += m;
        }
        return new StepResult(
                config.scenario(),
                server.label(),
                config.rooms(),
                subscribers,
                rate,
                seconds,
                (double) rate * subscribers / config.rooms(),
                deliveredInWindow / seconds,
                sent.sent(),
                sent.unsent(),
                step.publishFailures.sum(),
                expected,
                delivered,
                Math.max(0, expected - delivered),
                step.duplicates.sum(),
                step.outOfOrder.sum(),
                step.stray.sum(),
                StepResult.ms(h, 50),
                StepResult.ms(h, 90),
                StepResult.ms(h, 99),
                StepResult.ms(h, 99.9),
                h.getTotalCount() == 0 ? 0 : Math.round(h.getMaxValue() / 10.0) / 100.0,
                cpuPercent[0],
                cpuPercent[1],
                cpuPercent[2],
                threads,
                rss / (1024 * 1024),
                ds.streamsClosedByServer() - cut0,
                ds.resumes() - resumes0,
                ds.missedNotices() - missed0,
                sent.maxBacklog(),
                redisPerBroadcast,
                redisBreakdown,
                countersPerBroadcast,
                h);
    }

    /** Each counter's growth from {@code from} to {@code to} per nanosecond of {@code elapsed}, into {@code out}. */
    private static void rates(Map<String, Long> from, Map<String, Long> to, long elapsed, Map<String, Double> out) {
        for (Map.Entry<String, Long> e : to.entrySet()) {
            out.put(e.getKey(), (e.getValue() - from.getOrDefault(e.getKey(), 0L)) / (double) elapsed);
        }
    }

    /**
     * Each counter's growth from {@code start} to {@code end} over {@code elapsed} nanoseconds, its
     * background rate subtracted, per broadcast; rounded to hundredths.
     */
    static Map<String, Double> perBroadcast(
            Map<String, Long> start,
            Map<String, Long> end,
            Map<String, Double> backgroundPerNano,
            double elapsed,
            long broadcasts) {
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, Long> e : end.entrySet()) {
            double delta = e.getValue()
                    - start.getOrDefault(e.getKey(), 0L)
                    - backgroundPerNano.getOrDefault(e.getKey(), 0.0) * elapsed;
            out.put(e.getKey(), Math.round(delta / broadcasts * 100) / 100.0);
        }
        return out;
    }

    static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
