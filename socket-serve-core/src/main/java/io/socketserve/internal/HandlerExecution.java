package io.socketserve.internal;

import io.socketserve.ServerOptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Where application code runs: the handler executor (virtual threads on JDK 21+, a bounded pool
 * before, or the application's own), one-at-a-time execution per session, and the bound on handlers
 * in progress ({@link ServerOptions#maxConcurrentHandlers()}). Nothing of the application ever runs
 * on a network thread.
 */
final class HandlerExecution {

    final ExecutorService executor;
    final KeyedSerialExecutor perSession;
    final Semaphore permits;
    private final boolean ownsExecutor;

    HandlerExecution(ServerOptions options) {
        ExecutorService configured = options.handlerExecutor();
        this.ownsExecutor = configured == null;
        this.executor = configured != null ? configured : defaultExecutor();
        this.perSession = new KeyedSerialExecutor(executor);
        this.permits = new Semaphore(options.maxConcurrentHandlers());
    }

    private static ExecutorService defaultExecutor() {
        try {
            // JDK 21+: one virtual thread per handler; looked up reflectively to keep the 17 baseline.
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(
                            Executors.class,
                            "newVirtualThreadPerTaskExecutor",
                            MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (Throwable noVirtualThreads) {
            int threads = Math.max(16, Runtime.getRuntime().availableProcessors() * 8);
            return Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "socket-serve-handler");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Stops the executor if the server created it (an application's executor is the application's). */
    void close() {
        if (ownsExecutor) {
            executor.shutdown();
            try {
                // Listeners already queued (disconnects at shutdown) get a moment to run.
                executor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
