/**
 * The engine: sessions, delivery, replay, the wire codec. <b>Not API</b>: everything here may change
 * without notice; applications use {@code io.socketserve}, transports {@code
 * io.socketserve.transport}, backends {@code io.socketserve.spi}.
 */
@NullMarked
package io.socketserve.internal;

import org.jspecify.annotations.NullMarked;
