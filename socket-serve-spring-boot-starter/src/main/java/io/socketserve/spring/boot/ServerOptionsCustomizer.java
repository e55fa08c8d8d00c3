package io.socketserve.spring.boot;

import io.socketserve.ServerOptions;

/**
 * Adjusts the {@link ServerOptions} the auto-configured server is built with, after the {@code
 * socketserve.*} properties have been applied (so a customizer wins over a property). Every bean of
 * this type is called in {@link org.springframework.core.Ordered} order.
 *
 * <pre>{@code
 * @Bean
 * ServerOptionsCustomizer handlerThreads() {
 *     return options -> options.handlerExecutor(Executors.newFixedThreadPool(64));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface ServerOptionsCustomizer {

    void customize(ServerOptions.Builder options);
}
