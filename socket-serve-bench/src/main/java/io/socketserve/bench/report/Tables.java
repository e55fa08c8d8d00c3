package io.socketserve.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.socketserve.bench.workload.ConnectStorm;
import io.socketserve.bench.workload.IdleWorkload;
import io.socketserve.bench.workload.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Markdown tables and JSON files for the results. */
public final class Tables {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Tables() {}

    public static void writeJson(Path file, Object value) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), value);
    }

    public static void writeText(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text);
    }

    /** The broadcast steps as a table. */
    public static String steps(List<StepResult> steps) {
        StringBuilder b = new StringBuilder();
        boolean redis = steps.stream().anyMatch(s -> s.redisCommandsPerBroadcast() != null);
        b.append(
                "| server | rooms | subs | msg/s | offered/s | delivered/s | unsent msgs | lost | dup | ooo | p50 ms | p99 ms"
                        + " | p99.9 ms | max ms | server CPU | gen CPU | other CPU | server RSS MB | cut/resumed | max pub backlog |");
        if (redis) {
            b.append(" Redis cmds/msg |");
        }
        b.append('\n');
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        if (redis) {
            b.append("--:|");
        }
        b.append('\n');
        for (StepResult s : steps) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %,d | %,d | %,.0f | %,.0f | %,d | %,d | %,d | %,d | %s | %s | %s | %s | %.0f%% | %.0f%% | %.0f%% | %,d | %d/%d | %,d |",
                    s.server(),
                    s.rooms(),
                    s.subscribers(),
                    s.rate(),
                    s.offeredPerSec(),
                    s.deliveredPerSec(),
                    s.unsent(),
                    s.lost(),
                    s.duplicates(),
                    s.outOfOrder(),
                    Plots.fmt(s.p50()),
                    Plots.fmt(s.p99()),
                    Plots.fmt(s.p999()),
                    Plots.fmt(s.max()),
                    s.serverCpu(),
                    s.generatorCpu(),
                    s.otherCpu(),
                    s.serverRssMb(),
                    s.streamsCut(),
                    s.resumes(),
                    s.maxPublishBacklog()));
            if (redis) {
                b.append(' ')
                        .append(s.redisCommandsPerBroadcast() == null ? "–" : s.redisCommandsPerBroadcast())
                        .append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Where the first server process's CPU went during each step, by thread group. */
    public static String serverThreads(List<StepResult> steps) {
        StringBuilder b = new StringBuilder();
        b.append("| server | subs | msg/s | server CPU by thread (% of one core) |\n");
        b.append("|---|--:|--:|---|\n");
        for (StepResult s : steps) {
            StringBuilder by = new StringBuilder();
            s.serverThreadsCpu().forEach((k, v) -> by.append(by.length() == 0 ? "" : ", ")
                    .append(k)
                    .append(' ')
                    .append(Math.round(v)));
            b.append(
                    String.format(Locale.ROOT, "| %s | %,d | %,d | %s |\n", s.server(), s.subscribers(), s.rate(), by));
        }
        return b.toString();
    }

    /** Redis commands per broadcast, by command, for the steps that ran against Redis. */
    public static String redisBreakdown(List<StepResult> steps) {
        StringBuilder b = new StringBuilder();
        b.append("| server | subs | msg/s | Redis commands per broadcast | by command |\n");
        b.append("|---|--:|--:|--:|---|\n");
        for (StepResult s : steps) {
            if (s.redisCommandsPerBroadcastByCommand() == null) {
                continue;
            }
            StringBuilder by = new StringBuilder();
            s.redisCommandsPerBroadcastByCommand().entrySet().stream()
                    .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                    .forEach(e -> by.append(by.length() == 0 ? "" : ", ")
                            .append(e.getKey())
                            .append(' ')
                            .append(Plots.fmt(Math.abs(e.getValue())))
                            .append(e.getValue() < 0 ? " (−)" : ""));
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %,d | %d | %s |\n",
                    s.server(),
                    s.subscribers(),
                    s.rate(),
                    s.redisCommandsPerBroadcast(),
                    by));
        }
        return b.toString();
    }

    public static String storm(List<ConnectStorm.Result> results) {
        StringBuilder b = new StringBuilder();
        b.append(
                "| server | how | sessions | concurrency | established | failed | seconds | sessions/s | p50 ms | p99 ms"
                        + " | max ms | server CPU | gen CPU | other CPU | server RSS MB |\n");
        b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (ConnectStorm.Result r : results) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %,d | %d | %,d | %,d | %.2f | %,.0f | %s | %s | %s | %.0f%% | %.0f%% | %.0f%% | %,d |\n",
                    r.server(),
                    r.mode(),
                    r.sessions(),
                    r.concurrency(),
                    r.established(),
                    r.failures(),
                    r.seconds(),
                    r.sessionsPerSec(),
                    Plots.fmt(r.p50()),
                    Plots.fmt(r.p99()),
                    Plots.fmt(r.max()),
                    r.serverCpu(),
                    r.generatorCpu(),
                    r.otherCpu(),
                    r.serverRssMb()));
        }
        return b.toString();
    }

    public static String idle(List<IdleWorkload.Result> results) {
        StringBuilder b = new StringBuilder();
        b.append(
                "| server | sessions | established | heap after GC MB | RSS MB | heap B/session | off-heap RSS B/session"
                        + " | marginal heap B/session | marginal off-heap B/session | Netty direct MB | idle server CPU | server threads |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (IdleWorkload.Result r : results) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.1f%% | %,d |\n",
                    r.server(),
                    r.sessions(),
                    r.established(),
                    r.heapAfterGcMb(),
                    r.rssMb(),
                    r.heapBytesPerSession(),
                    r.rssBytesPerSession(),
                    r.heapMarginal(),
                    r.rssMarginal(),
                    r.nettyDirectMb(),
                    r.serverCpuIdle(),
                    r.serverThreads()));
        }
        return b.toString();
    }

    /** The cold and resume storms of issue 16, one row per run. */
    public static String coldStorm(List<io.socketserve.bench.workload.ColdStorm.Result> results) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | backend | sessions | warm-up | start→ready ms | ready→all streaming ms |")
                .append(" start→all ms | set-ups | failed | CPU/set-up ms | incl. start-up | Redis CPU/set-up ms |")
                .append(" p50 / p99 ms | messages exp. / recv. / missing / dup. / stray | Redis round trips/set-up |\n")
                .append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|--:|\n");
        for (io.socketserve.bench.workload.ColdStorm.Result r : results) {
            b.append("| ")
                    .append(r.scenario())
                    .append(" | ")
                    .append(r.backend())
                    .append(" | ")
                    .append(r.sessions())
                    .append(" | ")
                    .append(r.warmUpSessions())
                    .append(" | ")
                    .append(r.startToReadyMs())
                    .append(" | ")
                    .append(r.readyToAllStreamingMs())
                    .append(" | ")
                    .append(r.startToAllStreamingMs())
                    .append(" | ")
                    .append(r.established())
                    .append(" | ")
                    .append(r.failures())
                    .append(" | ")
                    .append(r.cpuPerSetupMs())
                    .append(" | ")
                    .append(r.cpuPerSetupWithStartMs())
                    .append(" | ")
                    .append(r.redisCpuPerSetupMs())
                    .append(" | ")
                    .append(r.p50Ms())
                    .append(" / ")
                    .append(r.p99Ms())
                    .append(" | ")
                    .append(r.messagesExpected())
                    .append(" / ")
                    .append(r.messagesReceived())
                    .append(" / ")
                    .append(r.messagesMissing())
                    .append(" / ")
                    .append(r.messagesDuplicated())
                    .append(" / ")
                    .append(r.messagesUnexpected())
                    .append(" | ")
                    .append(r.redisRoundTripsPerSetup())
                    .append(" |\n");
        }
        for (io.socketserve.bench.workload.ColdStorm.Result r : results) {
            b.append("\n")
                    .append(r.scenario())
                    .append(", ")
                    .append(r.backend())
                    .append(": set-ups in each second after ready ")
                    .append(r.setupsPerSecond())
                    .append("; generator CPU ")
                    .append(r.generatorCpuPercent())
                    .append(" %; other processes ")
                    .append(r.otherCpuPercent())
                    .append(" % of a core; server CPU before ready ")
                    .append(r.serverCpuStartMs())
                    .append(" ms, during the storm ")
                    .append(r.serverCpuStormMs())
                    .append(" ms (")
                    .append(Math.round(r.serverSystemCpuShare() * 100))
                    .append(" % in the kernel; by thread, ms: ")
                    .append(r.serverThreadsMs())
                    .append(")");
            if (!r.redisCommandsPerSetup().isEmpty()) {
                b.append("; Redis commands per set-up (scripts' inner commands included) ")
                        .append(r.redisCommandsPerSetup());
            }
            if (r.firstFailure() != null) {
                b.append("; first failure: ").append(r.firstFailure());
            }
            b.append('\n');
        }
        return b.toString();
    }
}
