package io.socketserve.testing;

import io.socketserve.spi.Backend;
import io.socketserve.spi.LogListener;
import io.socketserve.spi.LogRecord;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * A {@link Backend} whose log subscriptions can be held up: after {@link #pause()} the thread that
 * delivers the log to a subscriber blocks before handing over its next records, as a log reader whose
 * poll loop is stuck would, while every other call (appends, the head) still goes to the real
 * backend. {@link #resume()} lets the held records through, in order. Closing the backend resumes
 * first, so that a close waiting for a delivery in progress never hangs.
 *
 * <pre>{@code
 * PausableLogBackend log = new PausableLogBackend(new InMemoryBackend());
 * SocketServer server = SocketServer.create(ServerOptions.builder().backend(log.backend()).build());
 * log.pause();
 * }</pre>
 */
public final class PausableLogBackend {

    private final Backend delegate;
    private final Backend backend;
    private boolean paused;

    public PausableLogBackend(Backend delegate) {
        this.delegate = delegate;
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("subscribe") && args != null && args.length == 2) {
                return delegate.subscribe((Long) args[0], gated((LogListener) args[1]));
            }
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                resume();
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        this.backend = (Backend)
                Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, handler);
    }

    /** The backend to hand to the server. */
    public Backend backend() {
        return backend;
    }

    /** The real backend behind it. */
    public Backend delegate() {
        return delegate;
    }

    /** From now on, the next delivery of records to a subscriber blocks until {@link #resume()}. */
    public synchronized void pause() {
        paused = true;
    }

    /** Lets held and later records through. */
    public synchronized void resume() {
        paused = false;
        notifyAll();
    }

    private synchronized void awaitResumed() throws InterruptedException {
        while (paused) {
            wait();
        }
    }

    private LogListener gated(LogListener listener) {
        return new LogListener() {
            @Override
            public void onRecords(List<LogRecord> records) {
                try {
                    awaitResumed();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                listener.onRecords(records);
            }

            @Override
            public void onGap(long afterPosition, long oldestPosition) {
                listener.onGap(afterPosition, oldestPosition);
            }

            @Override
            public void onVolatile(byte[] entry) {
                listener.onVolatile(entry);
            }

            @Override
            public void onAvailability(boolean available) {
                listener.onAvailability(available);
            }
        };
    }
}
