package io.socketserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.socketserve.Ack;
import io.socketserve.DisconnectReason;
import io.socketserve.Namespace;
import io.socketserve.OnConnect;
import io.socketserve.OnDisconnect;
import io.socketserve.OnEvent;
import io.socketserve.Socket;
import io.socketserve.SocketServer;
import io.socketserve.internal.ListenerMethod.Arg;
import io.socketserve.internal.ListenerMethod.Returns;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The implementation of {@link Namespace#register(Object)}: finds the {@link OnEvent}, {@link
 * OnConnect} and {@link OnDisconnect} methods of a listener object, checks every one, and only then
 * registers them through the namespace's public methods ({@code on}, {@code onConnection}, {@code
 * onDisconnect}), so a listener with one bad method registers nothing. Typed payloads go through
 * {@link Namespace#on(String, Class, io.socketserve.TypedEventHandler)} and so bind exactly as a
 * typed handler's do.
 */
public final class AnnotatedListeners {

    /** Events the protocol answers itself (docs/protocol.md): a handler for them would never run. */
    private static final Set<String> RESERVED_EVENTS = Set.of("__ack", "__ping");

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private static final Comparator<Method> BY_NAME_AND_PARAMETERS =
            Comparator.comparing(Method::getName).thenComparing(m -> Arrays.toString(m.getParameterTypes()));

    private AnnotatedListeners() {}

    /**
     * Registers the annotated methods of {@code listener} on {@code namespace}.
     *
     * @throws IllegalArgumentException naming the class, each bad method and how to fix it, when a
     *     method cannot be bound or the object has no annotated method; nothing is registered then
     */
    public static void register(Namespace namespace, Object listener) {
        Objects.requireNonNull(namespace, "namespace == null");
        Objects.requireNonNull(listener, "listener == null");
        Class<?> type = listener.getClass();
        List<Method> methods = annotatedMethods(type);
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("Cannot register listener " + type.getName()
                    + ": it has no @OnEvent, @OnConnect or @OnDisconnect method"
                    + (listener instanceof Class<?> c
                            ? "; pass an instance (new " + c.getSimpleName() + "(…)), not the class"
                            : "; annotate its methods (annotations on interface methods are not read)"));
        }
        List<String> problems = new ArrayList<>();
        List<Registration> registrations = new ArrayList<>();
        Map<String, Method> events = new LinkedHashMap<>();
        for (Method m : methods) {
            Registration r = check(m, type, listener, problems);
            if (r == null) {
                continue;
            }
            if (r.event != null) {
                Method earlier = events.putIfAbsent(r.event, m);
                if (earlier != null) {
                    problems.add("two methods handle the event \"" + r.event + "\", " + signature(earlier, type)
                            + " and " + signature(m, type) + "; an event has one handler: remove one of them or"
                            + " rename its event");
                    continue;
                }
            }
            registrations.add(r);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    problems.size() == 1
                            ? "Cannot register listener " + type.getName() + ": " + problems.get(0)
                            : "Cannot register listener " + type.getName() + " (" + problems.size() + " problems):"
                                    + problems.stream().map(p -> "\n  - " + p).collect(Collectors.joining()));
        }
        for (Registration r : registrations) {
            r.registerOn(namespace);
        }
    }

    // ------------------------------------------------------------------------------------ scanning

    /**
     * The annotated methods of {@code type} and its superclasses (any visibility, static ones too so
     * that they can be reported), superclass methods first, each class's by name. An annotated
     * method overridden by an annotated method is left out (the override's annotation wins); one
     * overridden by a plain method stays (and the override is what runs, by virtual dispatch).
     */
    static List<Method> annotatedMethods(Class<?> type) {
        List<Method> found = new ArrayList<>();
        Set<String> annotatedBelow = new HashSet<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Method[] declared = c.getDeclaredMethods();
            Arrays.sort(declared, BY_NAME_AND_PARAMETERS);
            List<Method> level = new ArrayList<>();
            for (Method m : declared) {
                if (m.isBridge() || m.isSynthetic() || !annotated(m)) {
                    continue;
                }
                boolean overridable = (m.getModifiers() & (Modifier.STATIC | Modifier.PRIVATE)) == 0;
                String key = m.getName() + Arrays.toString(m.getParameterTypes());
                if (overridable && annotatedBelow.contains(key)) {
                    continue;
                }
                if (overridable) {
                    annotatedBelow.add(key);
                }
                level.add(m);
            }
            found.addAll(0, level);
        }
        return found;
    }

    private static boolean annotated(Method m) {
        return m.isAnnotationPresent(OnEvent.class)
                || m.isAnnotationPresent(OnConnect.class)
                || m.isAnnotationPresent(OnDisconnect.class);
    }

    // ------------------------------------------------------------------------------------ checking

    /** What {@link #check} found good: one call to make on the namespace. */
    private static final class Registration {
        final @Nullable String event; // null for connect and disconnect listeners
        final boolean disconnect;
        final @Nullable Class<?> payloadType; // null: the raw JsonNode (or no payload parameter)
        final ListenerMethod method;

        Registration(
                @Nullable String event, boolean disconnect, @Nullable Class<?> payloadType, ListenerMethod method) {
            this.event = event;
            this.disconnect = disconnect;
            this.payloadType = payloadType;
            this.method = method;
        }

        void registerOn(Namespace namespace) {
            String name = event;
            if (name == null) {
                if (disconnect) {
                    namespace.onDisconnect((socket, reason) -> method.invoke(socket, null, null, reason));
                } else {
                    namespace.onConnection(socket -> method.invoke(socket, null, null, null));
                }
            } else if (payloadType == null) {
                namespace.on(name, method::onEvent);
            } else {
                registerTyped(namespace, name, payloadType, method);
            }
        }

        private static <T> void registerTyped(Namespace namespace, String event, Class<T> type, ListenerMethod m) {
            namespace.on(event, type, m::onEvent);
        }
    }

    /** Checks one annotated method; on a problem adds its description and returns {@code null}. */
    private static @Nullable Registration check(Method m, Class<?> type, Object listener, List<String> problems) {
        String where = describe(m, type);
        OnEvent onEvent = m.getAnnotation(OnEvent.class);
        boolean connect = m.isAnnotationPresent(OnConnect.class);
        boolean disconnect = m.isAnnotationPresent(OnDisconnect.class);
        List<String> kinds = new ArrayList<>();
        if (onEvent != null) {
            kinds.add("@OnEvent");
        }
        if (connect) {
            kinds.add("@OnConnect");
        }
        if (disconnect) {
            kinds.add("@OnDisconnect");
        }
        String problem;
        if (kinds.size() > 1) {
            problem = "has both " + String.join(" and ", kinds) + ": a method handles one thing; split it into"
                    + " one method per annotation";
        } else if (Modifier.isStatic(m.getModifiers())) {
            problem = "is static: register(Object) binds the methods of the object it is given; make it an"
                    + " instance method";
        } else if (onEvent != null) {
            return checkEvent(m, onEvent.value(), where, listener, problems);
        } else {
            problem = checkListener(m, disconnect);
        }
        if (problem == null) {
            List<Arg> args = new ArrayList<>();
            for (Class<?> p : m.getParameterTypes()) {
                args.add(p == Socket.class ? Arg.SOCKET : Arg.REASON);
            }
            MethodHandle handle = handle(m, listener, where, problems);
            return handle == null
                    ? null
                    : new Registration(null, disconnect, null, new ListenerMethod(handle, args, Returns.NOTHING));
        }
        problems.add(where + " " + problem);
        return null;
    }

    /** The problem of an {@code @OnConnect} / {@code @OnDisconnect} method, or {@code null}. */
    private static @Nullable String checkListener(Method m, boolean disconnect) {
        Set<Type> seen = new HashSet<>();
        for (Type t : m.getGenericParameterTypes()) {
            boolean allowed = t == Socket.class || (disconnect && t == DisconnectReason.class);
            if (!allowed) {
                return "has a parameter of type " + typeName(t) + ", which is not bound: "
                        + (disconnect
                                ? "@OnDisconnect methods take a Socket, a DisconnectReason, both or neither"
                                : "@OnConnect methods take a Socket or nothing")
                        + (t == JsonNode.class || t == Ack.class ? " (there is no event payload or ack here)" : "");
            }
            if (!seen.add(t)) {
                return "takes " + typeName(t) + " twice; declare it once";
            }
        }
        if (m.getReturnType() != void.class) {
            return "returns " + typeName(m.getGenericReturnType()) + ", which nobody would receive; declare it"
                    + " void";
        }
        return null;
    }

    private static @Nullable Registration checkEvent(
            Method m, String event, String where, Object listener, List<String> problems) {
        if (event.isEmpty()) {
            problems.add(where + " has an empty event name; name the event clients emit: @OnEvent(\"chat\")");
            return null;
        }
        if (RESERVED_EVENTS.contains(event)) {
            problems.add(where + " handles \"" + event + "\", which the protocol answers itself without calling a"
                    + " handler; choose another event name");
            return null;
        }
        List<Arg> args = new ArrayList<>();
        Type payload = null;
        Class<?> payloadClass = null;
        for (Type t : m.getGenericParameterTypes()) {
            Arg arg = t == Socket.class ? Arg.SOCKET : t == Ack.class ? Arg.ACK : Arg.PAYLOAD;
            if (arg != Arg.PAYLOAD && args.contains(arg)) {
                problems.add(where + " takes " + typeName(t) + " twice; declare it once");
                return null;
            }
            if (arg == Arg.PAYLOAD) {
                String unbound = unboundParameter(t);
                if (unbound != null) {
                    problems.add(
                            where + " has a parameter of type " + typeName(t) + ", which is not bound: " + unbound);
                    return null;
                }
                if (payload != null && (payload == JsonNode.class || t == JsonNode.class)) {
                    problems.add(where + " takes both the raw JsonNode and the bound payload "
                            + typeName(payload == JsonNode.class ? t : payload) + "; take one of them");
                    return null;
                }
                if (payload != null) {
                    problems.add(where + " has two payload parameters, " + typeName(payload) + " and " + typeName(t)
                            + ": an event has one payload; bind it to one type (a record holding both parts), or"
                            + " take the raw JsonNode");
                    return null;
                }
                payload = t;
                if (t != JsonNode.class) {
                    payloadClass = payloadClass(t);
                    if (payloadClass == null) {
                        problems.add(where + " " + genericPayload(t));
                        return null;
                    }
                }
            }
            args.add(arg);
        }
        Class<?> returnType = m.getReturnType();
        Returns returns = returnType == void.class || returnType == Void.class
                ? Returns.NOTHING
                : CompletionStage.class.isAssignableFrom(returnType) ? Returns.STAGE : Returns.VALUE;
        if (returns != Returns.NOTHING && args.contains(Arg.ACK)) {
            problems.add(where + " returns " + typeName(m.getGenericReturnType()) + " and takes an Ack: answer one"
                    + " way, either return the answer and drop the Ack parameter, or return void and call"
                    + " ack.send(…)");
            return null;
        }
        MethodHandle handle = handle(m, listener, where, problems);
        if (handle == null) {
            return null;
        }
        return new Registration(event, false, payloadClass, new ListenerMethod(handle, args, returns));
    }

    /** Why a parameter type that is neither Socket nor Ack cannot be the payload, or {@code null}. */
    private static @Nullable String unboundParameter(Type t) {
        if (t == DisconnectReason.class) {
            return "a DisconnectReason is given only to @OnDisconnect methods; remove the parameter";
        }
        if (t == SocketServer.class || t == Namespace.class) {
            return "the server is not a parameter; keep it in a field of the listener (pass it to the constructor)";
        }
        if (t instanceof Class<?> c && c.getPackageName().equals(Socket.class.getPackageName())) {
            return "only Socket, Ack, JsonNode (the raw payload) and one payload type are bound, and "
                    + c.getSimpleName() + " is none of them" + (c.isInterface() ? "; reach it through the Socket" : "");
        }
        return null;
    }

    /** The class a payload parameter binds to, or {@code null} when Jackson could not bind it by class. */
    private static @Nullable Class<?> payloadClass(Type t) {
        if (t instanceof Class<?> c) {
            return MethodType.methodType(c).wrap().returnType(); // int binds as Integer
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] arguments = p.getActualTypeArguments();
            for (int i = 0; i < arguments.length; i++) {
                boolean mapKey = i == 0 && Map.class.isAssignableFrom(raw) && arguments[i] == String.class;
                if (!mapKey && !unconstrained(arguments[i])) {
                    return null;
                }
            }
            return raw; // List<?>, Map<String, Object>: binding by the raw class gives exactly that
        }
        return null;
    }

    private static boolean unconstrained(Type t) {
        return t == Object.class
                || (t instanceof WildcardType w
                        && w.getLowerBounds().length == 0
                        && Arrays.equals(w.getUpperBounds(), new Type[] {Object.class}));
    }

    private static String genericPayload(Type t) {
        if (t instanceof TypeVariable<?>) {
            return "has the payload type " + typeName(t) + ", a type variable unknown at run time; declare the"
                    + " concrete payload type";
        }
        return "has the generic payload type " + typeName(t) + ", which would bind by its raw class and lose"
                + " its type arguments; take an array (Move[]), a record wrapping it (record Moves(List<Move>"
                + " moves)), or the raw JsonNode";
    }

    /** A handle of type {@code (Object[])Object} bound to the listener, or {@code null} with a problem. */
    private static @Nullable MethodHandle handle(Method m, Object listener, String where, List<String> problems) {
        try {
            // On the class path this always succeeds; in a named module only for an opened package.
            m.trySetAccessible();
        } catch (SecurityException e) {
            // fall through: unreflect still works for public methods of public classes
        }
        try {
            return LOOKUP.unreflect(m)
                    .bindTo(listener)
                    .asSpreader(Object[].class, m.getParameterCount())
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (IllegalAccessException e) {
            problems.add(where + " is not accessible to socket-serve (" + e.getMessage() + "); open its package"
                    + " (opens " + m.getDeclaringClass().getPackageName() + "; in module-info.java), or make"
                    + " the method and its class public in an exported package");
            return null;
        }
    }

    // ----------------------------------------------------------------------------------- messages

    /** {@code @OnEvent("say") void say(Socket, Say)}, plus where it is declared if not in {@code type}. */
    static String describe(Method m, Class<?> type) {
        OnEvent onEvent = m.getAnnotation(OnEvent.class);
        String annotation = onEvent != null
                ? "@OnEvent(\"" + onEvent.value() + "\")"
                : m.isAnnotationPresent(OnConnect.class) ? "@OnConnect" : "@OnDisconnect";
        return annotation + " " + signature(m, type);
    }

    /** {@code void say(Socket, Say)}, plus where it is declared if not in {@code type}. */
    static String signature(Method m, Class<?> type) {
        String parameters = Arrays.stream(m.getGenericParameterTypes())
                .map(AnnotatedListeners::typeName)
                .collect(Collectors.joining(", "));
        return (Modifier.isStatic(m.getModifiers()) ? "static " : "")
                + typeName(m.getGenericReturnType()) + " " + m.getName() + "(" + parameters + ")"
                + (m.getDeclaringClass() == type
                        ? ""
                        : " (declared in " + m.getDeclaringClass().getName() + ")");
    }

    /** {@code List<Move>} for {@code java.util.List<com.example.Chat$Move>}. */
    static String typeName(Type t) {
        return t.getTypeName().replaceAll("\\b[a-z_][\\w]*\\.", "").replace('$', '.');
    }
}
