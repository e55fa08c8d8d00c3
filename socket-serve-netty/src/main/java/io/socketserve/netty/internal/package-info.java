/** Netty pipeline members of the embedded server. <b>Not API</b>: may change without notice. */
@NullMarked
package io.socketserve.netty.internal;

import org.jspecify.annotations.NullMarked;
