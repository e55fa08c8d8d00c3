/** Internal: not API, may change without notice. */
@NullMarked
package io.socketserve.spring.boot.internal;

import org.jspecify.annotations.NullMarked;
