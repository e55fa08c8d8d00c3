/**
 * The backend service-provider interface: what the engine needs from the place where sessions, room
 * membership and the ordered message log live.
 *
 * <p>{@link io.socketserve.spi.Backend} composes the parts, each cut by what it stores: {@link
 * io.socketserve.spi.LogStore}, {@link io.socketserve.spi.SessionStore}, {@link
 * io.socketserve.spi.MembershipStore}, {@link io.socketserve.spi.PresenceStore}, {@link
 * io.socketserve.spi.KeyValueStore}, {@link io.socketserve.spi.RateLimitStore}, and the batched
 * {@link io.socketserve.spi.BatchOperations}, which come with defaults. A backend can be written and
 * tested part by part; {@link io.socketserve.spi.Backend} says how.
 *
 * <p>Two implementations ship with socket-serve: {@link io.socketserve.memory.InMemoryBackend} (one
 * instance, nothing else to run) and {@code io.socketserve.redis.RedisBackend} (any number of
 * stateless instances sharing one Redis). Both pass the same contract test suite
 * ({@code BackendContractTest} in the core test jar, which runs the contract of every part); a third
 * implementation should too.
 *
 * <p>This package is for backend implementors. Applications never call it directly: they pick a
 * backend and hand it to {@link io.socketserve.ServerOptions.Builder#backend(Backend)}.
 */
@NullMarked
package io.socketserve.spi;

import org.jspecify.annotations.NullMarked;
