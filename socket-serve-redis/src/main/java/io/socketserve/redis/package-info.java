/**
 * The Redis backend: run any number of stateless socket-serve instances against one Redis, behind a
 * plain round-robin load balancer.
 *
 * <pre>{@code
 * SocketServer server = SocketServer.create(ServerOptions.builder()
 *         .backend(new RedisBackend(RedisBackendOptions.builder()
 *                 .uri("redis://:secret@redis.internal:6379/0")
 *                 .build()))
 *         .build());
 * }</pre>
 *
 * <p>{@link io.socketserve.redis.RedisBackend} and {@link io.socketserve.redis.RedisBackendOptions}
 * are the whole API; {@code io.socketserve.redis.internal} is not. See {@code docs/scaling.md} for
 * the key layout and the guarantees.
 */
@NullMarked
package io.socketserve.redis;

import org.jspecify.annotations.NullMarked;
