package io.socketserve.spring.boot.internal;

import org.springframework.context.SmartLifecycle;

/**
 * Drains the socket servlet when the application stops: runs before the web server's graceful
 * shutdown ({@link #PHASE} is above its phase, and phases stop highest first), so that streams end
 * (and their clients reconnect elsewhere, resuming from their last event id) instead of holding the
 * graceful shutdown until its timeout. Requests in progress, long-polls included, finish under the
 * container's graceful shutdown. The {@code SocketServer} itself is closed afterwards, when its bean
 * is destroyed.
 */
public final class SocketServeLifecycle implements SmartLifecycle {

    /** Above {@code WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE} ({@code DEFAULT_PHASE - 1024}). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final SpringSocketServeServlet servlet;
    private volatile boolean running;

    public SocketServeLifecycle(SpringSocketServeServlet servlet) {
        this.servlet = servlet;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        servlet.drain();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
