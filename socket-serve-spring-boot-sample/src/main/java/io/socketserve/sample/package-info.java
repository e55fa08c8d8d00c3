/** The socket-serve Spring Boot sample application: the demo's chat on the starter. */
@NullMarked
package io.socketserve.sample;

import org.jspecify.annotations.NullMarked;
