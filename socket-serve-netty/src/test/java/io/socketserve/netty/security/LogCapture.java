package io.socketserve.netty.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of the JVM at TRACE level while open, rendered as the line a log file
 * would get (logger, message and the whole stack trace with causes), and restores the levels on
 * close. The loggers of a servlet container ({@link
 * io.socketserve.netty.testing.TransportFixture#containerLoggers()}) are recorded at INFO, the level
 * a deployment runs them at: below it they trace every request URI, as an access log does, which
 * {@code docs/deploy.md} keeps the credential out of.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Map<Logger, @Nullable Level> previous = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();

    private LogCapture() {}

    static LogCapture capture(List<String> atInfo) {
        LogCapture c = new LogCapture();
        c.setContext(c.root.getLoggerContext());
        c.setName("security-capture");
        c.start();
        c.root.addAppender(c);
        c.setLevel(c.root, Level.TRACE);
        for (String name : atInfo) {
            c.setLevel((Logger) LoggerFactory.getLogger(name), Level.INFO);
        }
        return c;
    }

    private void setLevel(Logger logger, Level level) {
        previous.put(logger, logger.getLevel());
        logger.setLevel(level);
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
        previous.forEach(Logger::setLevel);
        root.detachAppender(this);
        stop();
    }
}
