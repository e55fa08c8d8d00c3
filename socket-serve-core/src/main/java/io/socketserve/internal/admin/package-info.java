/**
 * The admin page's machinery (not API, may change without notice): HTTP Basic checks, the page's
 * namespace tokens, the statistics every instance publishes, and the page's queries and actions.
 * Transports reach it through {@code io.socketserve.transport.AdminRoutes}.
 */
@NullMarked
package io.socketserve.internal.admin;

import org.jspecify.annotations.NullMarked;
