package io.socketserve.spring.boot.internal;

import io.socketserve.OnConnect;
import io.socketserve.OnDisconnect;
import io.socketserve.OnEvent;
import io.socketserve.SocketServer;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Registers every singleton bean that has {@link OnEvent}, {@link OnConnect} or {@link OnDisconnect}
 * methods with {@link SocketServer#register(Object)}, once every singleton exists and before the web
 * server accepts requests. A bean that cannot be bound fails the application's start with the
 * server's message naming the method.
 */
public final class AnnotatedListenerRegistrar implements SmartInitializingSingleton {

    private final ConfigurableListableBeanFactory beans;
    private final ObjectProvider<SocketServer> server;
    private final AtomicBoolean done = new AtomicBoolean();

    public AnnotatedListenerRegistrar(ConfigurableListableBeanFactory beans, ObjectProvider<SocketServer> server) {
        this.beans = beans;
        this.server = server;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        for (String name : beans.getBeanNamesForType(Object.class, false, false)) {
            Class<?> type = beans.getType(name, false);
            if (type == null || !hasHandlers(ClassUtils.getUserClass(type))) {
                continue;
            }
            server.getObject().register(beans.getBean(name));
        }
    }

    static boolean hasHandlers(Class<?> type) {
        boolean[] found = {false};
        ReflectionUtils.doWithMethods(
                type,
                m -> found[0] = true,
                (Method m) -> m.isAnnotationPresent(OnEvent.class)
                        || m.isAnnotationPresent(OnConnect.class)
                        || m.isAnnotationPresent(OnDisconnect.class));
        return found[0];
    }
}
