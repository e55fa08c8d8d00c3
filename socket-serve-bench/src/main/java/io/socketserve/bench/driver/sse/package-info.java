/**
 * Our protocol (docs/protocol.md) over HTTP/1.1 for the load generator: Netty, non-blocking, with its
 * own allocation-free response and Server-Sent Events parsers.
 */
@NullMarked
package io.socketserve.bench.driver.sse;

import org.jspecify.annotations.NullMarked;
