/**
 * The Jakarta Servlet 6 transport: {@link io.socketserve.servlet.SocketServeServlet} serves a
 * {@link io.socketserve.SocketServer} in any Servlet 6 container (tested on Tomcat 11 and Jetty 12
 * ee10). See {@code docs/servlet.md}.
 */
@NullMarked
package io.socketserve.servlet;

import org.jspecify.annotations.NullMarked;
