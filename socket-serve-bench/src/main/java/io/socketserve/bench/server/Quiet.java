package io.socketserve.bench.server;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the machine to be quiet before a scenario starts: on a shared 2-core machine a build
 * running next to the benchmark would be measured as server latency.
 */
public final class Quiet {

    private static final Logger log = LoggerFactory.getLogger(Quiet.class);

    private Quiet() {}

    /**
     * Returns once the whole machine used less than {@code maxBusyPercent} (% of one core) over a
     * 2-second window, or after {@code maxWaitSeconds} (then with a warning).
     *
     * @return the busy percentage of the last window
     */
    public static double await(double maxBusyPercent, long maxWaitSeconds) {
        if (maxWaitSeconds <= 0) {
            return -1;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxWaitSeconds);
        boolean logged = false;
        while (true) {
            long m0 = ProcStats.machineBusyNanos();
            long t0 = System.nanoTime();
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            double busy = (ProcStats.machineBusyNanos() - m0) * 100.0 / (System.nanoTime() - t0);
            if (busy < maxBusyPercent) {
                if (logged) {
                    log.info("machine quiet ({}% busy), starting", Math.round(busy));
                }
                return busy;
            }
            if (System.nanoTime() > deadline) {
                log.warn("machine still {}% busy after {} s: starting anyway", Math.round(busy), maxWaitSeconds);
                return busy;
            }
            if (!logged) {
                log.info("machine {}% busy (other processes): waiting for it to be quiet", Math.round(busy));
                logged = true;
            }
        }
    }
}
