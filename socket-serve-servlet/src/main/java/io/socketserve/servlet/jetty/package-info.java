/**
 * Jetty-specific helpers: {@link io.socketserve.servlet.jetty.JsonErrorHandler} answers Jetty's own
 * errors as socket-serve's JSON. Needs Jetty 12 at run time (optional dependency).
 */
@NullMarked
package io.socketserve.servlet.jetty;

import org.jspecify.annotations.NullMarked;
