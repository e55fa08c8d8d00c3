/**
 * How the load generator talks to a server: {@link io.socketserve.bench.driver.ProtocolDriver} and the
 * session and stream types the workloads use, independent of any wire protocol.
 */
@NullMarked
package io.socketserve.bench.driver;

import org.jspecify.annotations.NullMarked;
