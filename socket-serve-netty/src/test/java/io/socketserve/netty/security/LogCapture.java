package io.socketserve.netty.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of the JVM at TRACE level while open, rendered as the line a log file
 * would get (logger, message and the whole stack trace with causes), and restores the root level on
 * close.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level previous;
    private final List<String> lines = new ArrayList<>();

    private LogCapture() {
        this.previous = root.getLevel();
    }

    static LogCapture capture() {
        LogCapture c = new LogCapture();
        c.setContext(c.root.getLoggerContext());
        c.setName("security-capture");
        c.start();
        c.root.addAppender(c);
        c.root.setLevel(Level.TRACE);
        return c;
    }

    @Override
    protected void append(ILoggingEvent event) {
        StringBuilder line = new StringBuilder()
                .append(event.getLevel())
                .append(' ')
                .append(event.getLoggerName())
                .append(" - ")
                .append(event.getFormattedMessage());
        IThrowableProxy t = event.getThrowableProxy();
        if (t != null) {
            line.append('\n').append(ThrowableProxyUtil.asString(t));
        }
        synchronized (lines) {
            lines.add(line.toString());
        }
    }

    /** Every line recorded so far. */
    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    @Override
    public void close() {
        root.setLevel(previous);
        root.detachAppender(this);
        stop();
    }
}
