/** Not API: the Servlet transport's request, response and stream plumbing. May change without notice. */
@NullMarked
package io.socketserve.servlet.internal;

import org.jspecify.annotations.NullMarked;
