/**
 * Tomcat-specific helpers: {@link io.socketserve.servlet.tomcat.JsonErrorReportValve} answers
 * Tomcat's own errors as socket-serve's JSON. Needs Tomcat at run time (optional dependency).
 */
@NullMarked
package io.socketserve.servlet.tomcat;

import org.jspecify.annotations.NullMarked;
