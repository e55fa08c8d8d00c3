/**
 * The server side of a run: socket-serve and the raw-Netty ceiling in their own JVMs, Redis, and
 * their CPU and memory from {@code /proc}.
 */
@NullMarked
package io.socketserve.bench.server;

import org.jspecify.annotations.NullMarked;
