package io.socketserve.spi;

/**
 * One entry of the log with its position. The entry bytes are owned by the engine's codec; a backend
 * stores and returns them unchanged and never modifies the array after handing it out.
 */
public record LogRecord(long position, byte[] entry) {}
