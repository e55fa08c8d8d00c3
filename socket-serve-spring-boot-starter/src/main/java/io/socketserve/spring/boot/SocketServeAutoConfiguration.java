package io.socketserve.spring.boot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.servlet.SocketServeServlet;
import io.socketserve.spi.Backend;
import io.socketserve.spring.boot.internal.AnnotatedListenerRegistrar;
import io.socketserve.spring.boot.internal.Backends;
import io.socketserve.spring.boot.internal.PrincipalMiddleware;
import io.socketserve.spring.boot.internal.SocketServeLifecycle;
import io.socketserve.spring.boot.internal.SpringSocketServeServlet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of a {@link SocketServer} served on the application's own port (servlet web
 * applications only).
 *
 * <ul>
 *   <li>{@code socketServeBackend} and {@code socketServer}, unless the application defines a {@link
 *       SocketServer} (or a {@link Backend}) itself: built from {@link SocketServeProperties}, then
 *       every {@link ServerOptionsCustomizer}; the application's Jackson 2 {@link ObjectMapper} bean,
 *       if it has exactly one, binds and writes payloads; every {@link SocketServerCustomizer} is
 *       applied to the created server;
 *   <li>{@code socketServeServlet}: the servlet at {@code socketserve.path/*} and {@code
 *       /socket-serve.js}, async-supported;
 *   <li>every bean with {@link io.socketserve.OnEvent}, {@link io.socketserve.OnConnect} or {@link
 *       io.socketserve.OnDisconnect} methods is registered with the server;
 *   <li>on shutdown the streams are drained before the web server's graceful shutdown, then the
 *       server is closed.
 * </ul>
 *
 * <p>The authenticated principal of a connect request (Spring Security's, or the container's) is
 * stored in the session attribute {@link #PRINCIPAL_ATTRIBUTE}: {@code
 * socket.attributes().get("principal")}.
 */
@AutoConfiguration
@ConditionalOnClass({SocketServer.class, SocketServeServlet.class, ServletRegistrationBean.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(SocketServeProperties.class)
public class SocketServeAutoConfiguration {

    /** {@value}: the session attribute holding the name of the principal that connected. */
    public static final String PRINCIPAL_ATTRIBUTE = "principal";

    /** The server and its backend, unless the application has its own server. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(SocketServer.class)
    static class ServerConfiguration {

        /** Closed by the server ({@link SocketServer#close()}), not by Spring. */
        @Bean(destroyMethod = "")
        @ConditionalOnMissingBean
        Backend socketServeBackend(SocketServeProperties properties) {
            return Backends.create(properties);
        }

        @Bean(destroyMethod = "close")
        SocketServer socketServer(
                SocketServeProperties properties,
                Backend backend,
                ObjectProvider<ObjectMapper> jackson2,
                ObjectProvider<ServerOptionsCustomizer> optionsCustomizers,
                ObjectProvider<SocketServerCustomizer> serverCustomizers,
                ObjectProvider<io.socketserve.PayloadValidator> validators) {
            ServerOptions.Builder options = properties.applyTo(ServerOptions.builder());
            options.backend(backend);
            io.socketserve.PayloadValidator validator = validators.getIfUnique();
            if (validator != null) {
                options.payloadValidator(validator);
            }
            ObjectMapper mapper = jackson2.getIfUnique();
            if (mapper != null) {
                options.jsonMapper(mapper);
            }
            optionsCustomizers.orderedStream().forEach(c -> c.customize(options));
            SocketServer server = SocketServer.create(options.build());
            try {
                server.use(new PrincipalMiddleware(PRINCIPAL_ATTRIBUTE));
                serverCustomizers.orderedStream().forEach(c -> c.customize(server));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        }

        /**
         * Bean Validation of typed payloads (records with {@code @NotBlank}, {@code @Size}…), where a
         * {@code jakarta.validation.Validator} bean exists ({@code spring-boot-starter-validation}):
         * a violation answers {@code 400 invalid_payload} naming the fields, and the handler does not
         * run.
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "jakarta.validation.Validator")
        static class ValidationConfiguration {

            // The Validator is looked up at the first payload, not here: Boot's validation
            // auto-configuration may run after this one.
            @Bean
            @ConditionalOnMissingBean(io.socketserve.PayloadValidator.class)
            io.socketserve.PayloadValidator socketServePayloadValidator(
                    ObjectProvider<jakarta.validation.Validator> validator) {
                return new io.socketserve.spring.boot.internal.BeanValidationPayloads(validator::getIfUnique);
            }
        }

        /**
         * The health indicator of the server (backend reachable, log reader not stalled), where
         * Actuator's health support is present.
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
        static class HealthConfiguration {

            @Bean
            @ConditionalOnMissingBean(name = "socketServeHealthIndicator")
            SocketServeHealthIndicator socketServeHealthIndicator(SocketServer server, Backend backend) {
                return new SocketServeHealthIndicator(server, backend);
            }
        }

        /**
         * The server's {@code socketserve.*} meters, where Micrometer and {@code
         * socket-serve-micrometer} are on the class path: a {@code MeterBinder} bean, which Spring
         * Boot binds to the application's {@code MeterRegistry} (so they appear under {@code
         * /actuator/metrics} and {@code /actuator/prometheus}).
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(
                name = {"io.micrometer.core.instrument.MeterRegistry", "io.socketserve.micrometer.SocketServeMetrics"})
        static class MetricsConfiguration {

            @Bean
            @ConditionalOnMissingBean
            io.socketserve.micrometer.SocketServeMetrics socketServeMetrics(SocketServer server) {
                return new io.socketserve.micrometer.SocketServeMetrics(server);
            }
        }
    }

    @Bean
    @ConditionalOnMissingBean(name = "socketServeServlet")
    ServletRegistrationBean<SpringSocketServeServlet> socketServeServlet(
            SocketServer server, SocketServeProperties properties) {
        String path = properties.path();
        String mapping = path.equals("/") ? "/*" : path + "/*";
        SpringSocketServeServlet servlet = new SpringSocketServeServlet(server);
        servlet.streamCompression(properties.streamCompression());
        ServletRegistrationBean<SpringSocketServeServlet> registration =
                new ServletRegistrationBean<>(servlet, mapping, "/socket-serve.js");
        registration.setName("socketServe");
        registration.setAsyncSupported(true);
        registration.setLoadOnStartup(1);
        return registration;
    }

    @Bean
    static AnnotatedListenerRegistrar socketServeListenerRegistrar(
            ConfigurableListableBeanFactory beans, ObjectProvider<SocketServer> server) {
        return new AnnotatedListenerRegistrar(beans, server);
    }

    @Bean
    SocketServeLifecycle socketServeLifecycle(ServletRegistrationBean<SpringSocketServeServlet> socketServeServlet) {
        return new SocketServeLifecycle(socketServeServlet.getServlet());
    }
}
