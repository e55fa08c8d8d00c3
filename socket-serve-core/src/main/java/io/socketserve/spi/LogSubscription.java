package io.socketserve.spi;

/** A running {@link LogStore#subscribe} subscription. */
public interface LogSubscription extends AutoCloseable {

    /** Stops delivery; no listener call starts after this returns. Idempotent. */
    @Override
    void close();
}
