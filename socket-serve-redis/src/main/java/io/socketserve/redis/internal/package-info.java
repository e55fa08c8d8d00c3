/**
 * Implementation of the Redis backend. Not API: may change without notice.
 */
@NullMarked
package io.socketserve.redis.internal;

import org.jspecify.annotations.NullMarked;
