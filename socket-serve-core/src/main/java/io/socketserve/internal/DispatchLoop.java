package io.socketserve.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's serial executor: tasks run one at a time, in the order they were queued, on its
 * own thread — or, for a caller that finds it idle, on the caller's thread ({@link #tryRunInline}).
 *
 * <p>That second way is what takes a thread hand-off out of live delivery (issue 16): a log reader
 * whose batch arrives while the dispatcher has nothing queued processes the batch itself instead of
 * waking the dispatcher thread, so a broadcast goes reader → event loop, not reader → dispatcher →
 * event loop. "One thread owns the state" becomes "one holder of {@link #running} at a time": every
 * task runs under that lock, which also orders the memory effects from one holder to the next.
 *
 * <p>A task is taken off the queue and run under the lock, so whoever holds the lock with an empty
 * queue knows every task queued before has finished: running inline then cannot overtake one.
 */
final class DispatchLoop {

    private static final Logger log = LoggerFactory.getLogger(DispatchLoop.class);

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock running = new ReentrantLock();
    private final Thread thread;
    private volatile boolean shutdown;

    DispatchLoop(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues a task for the loop's thread.
     *
     * @throws RejectedExecutionException after {@link #shutdown}
     */
    void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("dispatcher stopped");
        }
        queue.add(task);
        LockSupport.unpark(thread);
    }

    /**
     * Runs {@code task} on the calling thread if nothing is queued and nothing is running; otherwise
     * does nothing. Never nested: a task that (through a backend that delivers on the appending
     * thread) reaches this from inside the loop gets {@code false}.
     *
     * @return whether the task ran
     */
    boolean tryRunInline(Runnable task) {
        if (shutdown || !queue.isEmpty() || running.isHeldByCurrentThread() || !running.tryLock()) {
            return false;
        }
        boolean ran = false;
        try {
            if (queue.isEmpty() && !shutdown) {
                ran = true;
                run(task);
            }
        } finally {
            running.unlock();
        }
        if (!queue.isEmpty()) {
            LockSupport.unpark(thread); // queued while the task ran here
        }
        return ran;
    }

    boolean isShutdown() {
        return shutdown;
    }

    /** Whether the calling thread is the one running tasks now. */
    boolean inLoop() {
        return running.isHeldByCurrentThread();
    }

    /** Stops taking tasks; those already queued still run. Waits up to {@code timeout} for them. */
    void shutdown(long timeout, TimeUnit unit) {
        shutdown = true;
        LockSupport.unpark(thread);
        try {
            thread.join(unit.toMillis(timeout));
            if (thread.isAlive()) {
                thread.interrupt(); // a task that blocks: let it see the interrupt
                thread.join(unit.toMillis(timeout));
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        while (true) {
            if (queue.isEmpty()) {
                if (shutdown) {
                    return;
                }
                LockSupport.park(this);
                continue;
            }
            running.lock();
            try {
                Runnable task;
                while ((task = queue.poll()) != null) {
                    run(task);
                }
            } finally {
                running.unlock();
            }
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            // A failing task must not stop delivery to everyone else.
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            log.error("dispatcher task failed", e);
        }
    }
}
