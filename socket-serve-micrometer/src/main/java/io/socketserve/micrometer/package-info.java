/**
 * Micrometer meters for socket-serve: {@link io.socketserve.micrometer.SocketServeMetrics} binds a
 * server's {@link io.socketserve.ServerStats} to a {@code MeterRegistry} as {@code socketserve.*}
 * meters. {@code docs/operations.md} lists every meter.
 */
@NullMarked
package io.socketserve.micrometer;

import org.jspecify.annotations.NullMarked;
