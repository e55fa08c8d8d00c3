package io.socketserve.internal;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks of one key (a session) one at a time in submission order, and tasks of different keys
 * in parallel, on a shared executor. A key's queue exists only while it has tasks.
 */
final class KeyedSerialExecutor {

    private static final Logger log = LoggerFactory.getLogger(KeyedSerialExecutor.class);

    private final Executor delegate;
    private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();

    KeyedSerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    void execute(String key, Runnable task) {
        Queue[] started = new Queue[1];
        queues.compute(key, (k, q) -> {
            if (q == null) {
                q = new Queue(k, task);
                started[0] = q;
            } else {
                q.pending.add(task);
            }
            return q;
        });
        if (started[0] != null) {
            try {
                delegate.execute(started[0]);
            } catch (RuntimeException e) {
                queues.remove(key, started[0]);
                throw e;
            }
        }
    }

    /** Keys with work queued or running (for tests and metrics). */
    int activeKeys() {
        return queues.size();
    }

    private final class Queue implements Runnable {
        private final String key;
        private final ArrayDeque<Runnable> pending = new ArrayDeque<>(); // guarded by queues.compute
        private Runnable current;

        Queue(String key, Runnable first) {
            this.key = key;
            this.current = first;
        }

        @Override
        public void run() {
            while (true) {
                try {
                    current.run();
                } catch (Throwable t) {
                    log.error("task for {} failed", key, t);
                }
                Runnable[] next = new Runnable[1];
                queues.compute(key, (k, q) -> {
                    Runnable n = pending.poll();
                    if (n == null) {
                        return null;
                    }
                    next[0] = n;
                    return q;
                });
                if (next[0] == null) {
                    return;
                }
                current = next[0];
            }
        }
    }
}
