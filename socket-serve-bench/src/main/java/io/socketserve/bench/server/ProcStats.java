package io.socketserve.bench.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a Linux process, from {@code /proc} (proc(5)). */
public final class ProcStats {

    /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux this runs on (checked with {@code getconf CLK_TCK}). */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private ProcStats() {}

    /** User + system CPU time of the process in nanoseconds, or -1 if unreadable. */
    public static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14), stime (15)
            return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size in bytes ({@code VmRSS}), or -1 if unreadable. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time used by the whole machine (all processes, all cores) in nanoseconds, from {@code /proc/stat}. */
    public static long machineBusyNanos() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU time per thread group of a process in nanoseconds: threads named alike (the kernel keeps
     * 15 characters of a name; trailing numbers are dropped, so the four event loops are one group).
     */
    public static java.util.Map<String, Long> threadCpuNanos(long pid) {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
        if (tasks == null) {
            return out;
        }
        for (java.io.File task : tasks) {
            try {
                String name = Files.readString(task.toPath().resolve("comm")).trim();
                String group = name.replaceAll("[-#\\s]*[0-9]+$", "").replaceAll("-[0-9]+-?$", "");
                String stat = Files.readString(task.toPath().resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                out.merge(group, ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND, Long::sum);
            } catch (IOException | RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return out;
    }

    /** {user, system} CPU time of the process in nanoseconds, or {-1, -1} if unreadable. */
    public static long[] cpuSplitNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {
                Long.parseLong(f[11]) * 1_000_000_000L / CLOCK_TICKS_PER_SECOND,
                Long.parseLong(f[12]) * 1_000_000_000L / CLOCK_TICKS_PER_SECOND
            };
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** This JVM's pid. */
    public static long self() {
        return ProcessHandle.current().pid();
    }
}
