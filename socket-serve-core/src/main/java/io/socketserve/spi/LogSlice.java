package io.socketserve.spi;

import java.util.List;

/**
 * The answer to {@link LogStore#read}: the records in order, the oldest position the log still keeps
 * ({@code head + 1} when it is empty) and the head at the time of the read.
 */
public record LogSlice(List<LogRecord> records, long oldestPosition, long head) {}
