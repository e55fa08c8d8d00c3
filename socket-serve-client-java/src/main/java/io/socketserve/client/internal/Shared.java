package io.socketserve.client.internal;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Process-wide resources shared by every client: a few daemon threads, whatever the client count. */
public final class Shared {

    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    /** Timers: reconnect delays, ack timeouts, stream watchdogs. */
    public static final ScheduledExecutorService SCHEDULER =
            Executors.newSingleThreadScheduledExecutor(factory("socket-serve-client-timer"));

    /** Where listeners run (through one serial executor per client). */
    public static final ExecutorService LISTENERS =
            Executors.newFixedThreadPool(Math.max(2, CPUS), factory("socket-serve-client-listener"));

    /** Completions of the default HTTP client and of every client's requests (never user code). */
    public static final ExecutorService HTTP =
            Executors.newFixedThreadPool(Math.max(2, CPUS), factory("socket-serve-client-http"));

    /** The default HTTP client: HTTP/1.1 (one connection per stream), shared by every client. */
    public static final HttpClient HTTP_CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(HTTP)
            .build();

    private Shared() {}

    private static ThreadFactory factory(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
