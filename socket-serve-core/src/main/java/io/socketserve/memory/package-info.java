/** The in-memory backend: one instance, no external store. */
@NullMarked
package io.socketserve.memory;

import org.jspecify.annotations.NullMarked;
