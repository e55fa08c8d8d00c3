package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.socketserve.Ack;
import io.socketserve.DisconnectReason;
import io.socketserve.OnConnect;
import io.socketserve.OnDisconnect;
import io.socketserve.OnEvent;
import io.socketserve.SessionData;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.internal.RecordingNamespace.RecordingAck;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * {@code register(Object)} without a server: what it registers on a {@link RecordingNamespace}, how
 * the registered handlers call the methods, and the message of each signature it rejects.
 */
class AnnotatedListenersTest {

    private final RecordingNamespace ns = new RecordingNamespace();
    private final Socket socket = RecordingNamespace.socket("s1");
    private final List<Object> calls = new ArrayList<>();

    record Move(int x, int y) {}

    // ------------------------------------------------------------------------------------ binding

    @Test
    void payloadParameterRegistersATypedHandlerAndParametersBindByTypeInAnyOrder() throws Exception {
        ns.register(new Object() {
            @OnEvent("move")
            void move(Move move, Ack ack, Socket s) {
                calls.add(List.of(move, ack, s.id()));
            }
        });
        RecordingAck ack = new RecordingAck(false);

        assertThat(ns.typed.get("move").type()).isEqualTo(Move.class);
        ns.typed.get("move").call(socket, new Move(1, 2), ack);

        assertThat(calls).containsExactly(List.of(new Move(1, 2), ack, "s1"));
    }

    @Test
    void jsonNodeParameterGetsTheRawPayloadThroughAnUntypedHandler() throws Exception {
        ns.register(new Object() {
            @OnEvent("raw")
            void raw(JsonNode data) {
                calls.add(data);
            }
        });

        ns.untyped.get("raw").onEvent(socket, TextNode.valueOf("hi"), new RecordingAck(false));

        assertThat(ns.typed).isEmpty();
        assertThat(calls).containsExactly(TextNode.valueOf("hi"));
    }

    @Test
    void methodWithoutParametersIsAnUntypedHandler() throws Exception {
        ns.register(new Object() {
            @OnEvent("ping")
            void ping() {
                calls.add("pinged");
            }
        });

        ns.untyped.get("ping").onEvent(socket, TextNode.valueOf("ignored"), new RecordingAck(false));

        assertThat(calls).containsExactly("pinged");
    }

    @Test
    void primitivePayloadBindsAsItsWrapper() throws Exception {
        ns.register(new Object() {
            @OnEvent("count")
            void count(int n) {
                calls.add(n);
            }
        });

        assertThat(ns.typed.get("count").type()).isEqualTo(Integer.class);
        ns.typed.get("count").call(socket, 7, new RecordingAck(false));
        assertThat(calls).containsExactly(7);
    }

    @Test
    void unconstrainedGenericPayloadBindsByItsRawClass() {
        ns.register(new Object() {
            @OnEvent("map")
            void map(Map<String, Object> data) {}

            @OnEvent("list")
            void list(List<?> data) {}
        });

        assertThat(ns.typed.get("map").type()).isEqualTo(Map.class);
        assertThat(ns.typed.get("list").type()).isEqualTo(List.class);
    }

    @Test
    void returnedValueAnswersTheAck() throws Exception {
        ns.register(new Object() {
            @OnEvent("double")
            int twice(int n) {
                return n * 2;
            }
        });
        RecordingAck ack = new RecordingAck(true);

        ns.typed.get("double").call(socket, 21, ack);

        assertThat(ack.sent).containsExactly(42);
    }

    @Test
    void returnedNullAnswersTheAckWithNull() throws Exception {
        ns.register(new Object() {
            @OnEvent("nothing")
            String nothing() {
                return null;
            }
        });
        RecordingAck ack = new RecordingAck(true);

        ns.untyped.get("nothing").onEvent(socket, TextNode.valueOf("x"), ack);

        assertThat(ack.sent).containsExactly((Object) null);
    }

    @Test
    void voidMethodAnswersOnlyThroughItsAck() throws Exception {
        ns.register(new Object() {
            @OnEvent("ask")
            void ask(Ack ack) {
                ack.send("answer");
            }

            @OnEvent("tell")
            void tell() {}
        });
        RecordingAck asked = new RecordingAck(true);
        RecordingAck told = new RecordingAck(true);

        ns.untyped.get("ask").onEvent(socket, TextNode.valueOf("x"), asked);
        ns.untyped.get("tell").onEvent(socket, TextNode.valueOf("x"), told);

        assertThat(asked.sent).containsExactly("answer");
        assertThat(told.sent).isEmpty();
    }

    @Test
    void completionStageIsAwaitedAndItsValueAnswersTheAck() throws Exception {
        ns.register(new Object() {
            @OnEvent("later")
            CompletionStage<String> later(String name) {
                return CompletableFuture.supplyAsync(() -> "hello " + name);
            }
        });
        RecordingAck ack = new RecordingAck(true);

        ns.typed.get("later").call(socket, "bob", ack);

        assertThat(ack.sent).containsExactly("hello bob");
    }

    @Test
    void failedCompletionStageThrowsItsCauseFromTheHandler() {
        SocketServeException failure = new SocketServeException("nope", "not now", 409);
        ns.register(new Object() {
            @OnEvent("later")
            CompletableFuture<String> later() {
                return CompletableFuture.supplyAsync(() -> {
                    throw failure;
                });
            }
        });

        assertThatThrownBy(() -> ns.untyped.get("later").onEvent(socket, TextNode.valueOf("x"), new RecordingAck(true)))
                .isSameAs(failure);
    }

    @Test
    void exceptionsOfTheMethodPropagateUnwrapped() {
        IOException checked = new IOException("disk");
        IllegalStateException unchecked = new IllegalStateException("kaput");
        ns.register(new Object() {
            @OnEvent("checked")
            void checked() throws IOException {
                throw checked;
            }

            @OnEvent("unchecked")
            void unchecked() {
                throw unchecked;
            }
        });

        assertThatThrownBy(
                        () -> ns.untyped.get("checked").onEvent(socket, TextNode.valueOf(""), new RecordingAck(false)))
                .isSameAs(checked);
        assertThatThrownBy(() ->
                        ns.untyped.get("unchecked").onEvent(socket, TextNode.valueOf(""), new RecordingAck(false)))
                .isSameAs(unchecked);
    }

    @Test
    void connectAndDisconnectMethodsBecomeListeners() throws Exception {
        ns.register(new Object() {
            @OnConnect
            void connected(Socket s) {
                calls.add("connected " + s.id());
            }

            @OnConnect
            void counted() {
                calls.add("counted");
            }

            @OnDisconnect
            void left(DisconnectReason reason, Socket s) {
                calls.add("left " + s.id() + " " + reason);
            }
        });

        ns.connect(socket);
        ns.disconnect(socket, DisconnectReason.TIMEOUT);

        assertThat(calls).containsExactly("connected s1", "counted", "left s1 TIMEOUT");
    }

    static class Base {
        final List<String> seen = new ArrayList<>();

        @OnEvent("private")
        private void privateInBase() {
            seen.add("base private");
        }

        @OnEvent("overridden")
        protected void overridden() {
            seen.add("base overridden");
        }

        @OnEvent("renamed")
        void renamed() {
            seen.add("base renamed");
        }

        @OnConnect
        void zzzBaseConnect() {
            seen.add("base connect");
        }
    }

    static class Derived extends Base {
        @Override
        protected void overridden() { // no annotation: the base's stays, this override runs
            seen.add("derived overridden");
        }

        @Override
        @OnEvent("renamedAgain")
        void renamed() { // its own annotation replaces the base's
            seen.add("derived renamed");
        }

        @OnConnect
        void aaaDerivedConnect() {
            seen.add("derived connect");
        }
    }

    @Test
    void inheritedMethodsOfAnyVisibilityAreRegisteredAndOverridesRun() throws Exception {
        Derived listener = new Derived();
        ns.register(listener);

        assertThat(ns.events()).containsExactly("overridden", "private", "renamedAgain");
        for (String event : ns.events()) {
            ns.untyped.get(event).onEvent(socket, TextNode.valueOf(""), new RecordingAck(false));
        }
        assertThat(listener.seen).containsExactly("derived overridden", "base private", "derived renamed");
    }

    @Test
    void connectMethodsRunSuperclassFirstThenByName() throws Exception {
        Derived listener = new Derived();
        ns.register(listener);

        ns.connect(socket);

        assertThat(listener.seen).containsExactly("base connect", "derived connect");
    }

    @Test
    void theServerReturnsItselfForChaining() {
        try (SocketServer server = SocketServer.create()) {
            SocketServer same = server.register(new Object() {
                @OnEvent("x")
                void x() {}
            });
            assertThat(same).isSameAs(server);
        }
    }

    // ----------------------------------------------------------------------------------- rejection

    /** The message of the IllegalArgumentException {@code register} throws; asserts nothing was registered. */
    private String rejection(Object listener) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> ns.register(listener));
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertThat(ns.events()).as("registered despite the error").isEmpty();
        assertThat(ns.connections).isEmpty();
        assertThat(ns.disconnects).isEmpty();
        return t.getMessage();
    }

    static class StaticMethod {
        @OnEvent("s")
        static void handle(Socket socket) {}
    }

    @Test
    void staticMethodIsRejected() {
        assertThat(rejection(new StaticMethod()))
                .isEqualTo("Cannot register listener " + StaticMethod.class.getName()
                        + ": @OnEvent(\"s\") static void handle(Socket) is static: register(Object) binds the"
                        + " methods of the object it is given; make it an instance method");
    }

    static class SocketTwice {
        @OnEvent("e")
        void handle(Socket a, Socket b) {}
    }

    @Test
    void aParameterTypeTwiceIsRejected() {
        assertThat(rejection(new SocketTwice()))
                .isEqualTo("Cannot register listener " + SocketTwice.class.getName()
                        + ": @OnEvent(\"e\") void handle(Socket, Socket) takes Socket twice; declare it once");
    }

    record Point(int x, int y) {}

    static class TwoPayloads {
        @OnEvent("e")
        void handle(Move move, Socket socket, Point point) {}
    }

    @Test
    void twoPayloadTypesAreRejected() {
        assertThat(rejection(new TwoPayloads()))
                .contains(TwoPayloads.class.getName())
                .contains(
                        "@OnEvent(\"e\") void handle(AnnotatedListenersTest.Move, Socket, AnnotatedListenersTest.Point)")
                .contains("has two payload parameters")
                .contains("a record holding both parts");
    }

    static class RawAndTyped {
        @OnEvent("e")
        void handle(JsonNode raw, Move move) {}
    }

    @Test
    void rawAndTypedPayloadTogetherAreRejected() {
        assertThat(rejection(new RawAndTyped()))
                .contains("void handle(JsonNode, AnnotatedListenersTest.Move) takes both the raw JsonNode and the"
                        + " bound payload AnnotatedListenersTest.Move; take one of them");
    }

    static class AckAndReturn {
        @OnEvent("e")
        String handle(Ack ack) {
            return "x";
        }
    }

    @Test
    void anAckParameterWithAReturnValueIsRejected() {
        assertThat(rejection(new AckAndReturn()))
                .contains("String handle(Ack) returns String and takes an Ack")
                .contains("either return the answer and drop the Ack parameter, or return void and call ack.send");
    }

    static class ReasonOnEvent {
        @OnEvent("e")
        void handle(Socket socket, DisconnectReason reason) {}
    }

    @Test
    void aDisconnectReasonOnAnEventIsRejected() {
        assertThat(rejection(new ReasonOnEvent()))
                .contains("void handle(Socket, DisconnectReason) has a parameter of type DisconnectReason, which is"
                        + " not bound: a DisconnectReason is given only to @OnDisconnect methods");
    }

    static class ServerParameter {
        @OnEvent("e")
        void handle(SocketServer server) {}
    }

    @Test
    void theServerAsAParameterIsRejected() {
        assertThat(rejection(new ServerParameter()))
                .contains("has a parameter of type SocketServer, which is not bound: the server is not a parameter;"
                        + " keep it in a field of the listener");
    }

    static class ApiParameter {
        @OnEvent("e")
        void handle(SessionData data) {}
    }

    @Test
    void anotherApiTypeAsAParameterIsRejected() {
        assertThat(rejection(new ApiParameter()))
                .contains("only Socket, Ack, JsonNode (the raw payload) and one payload type are bound, and"
                        + " SessionData is none of them; reach it through the Socket");
    }

    static class GenericPayload {
        @OnEvent("e")
        void handle(List<Move> moves) {}
    }

    @Test
    void aGenericPayloadIsRejected() {
        assertThat(rejection(new GenericPayload()))
                .contains("void handle(List<AnnotatedListenersTest.Move>) has the generic payload type"
                        + " List<AnnotatedListenersTest.Move>, which would bind by its raw class")
                .contains("take an array (Move[]), a record wrapping it");
    }

    static class TypeVariablePayload {
        @OnEvent("e")
        <T> void handle(T payload) {}
    }

    @Test
    void aTypeVariablePayloadIsRejected() {
        assertThat(rejection(new TypeVariablePayload()))
                .contains("void handle(T) has the payload type T, a type variable unknown at run time");
    }

    static class EmptyName {
        @OnEvent("")
        void handle() {}
    }

    @Test
    void anEmptyEventNameIsRejected() {
        assertThat(rejection(new EmptyName()))
                .contains("@OnEvent(\"\") void handle() has an empty event name; name the event clients emit");
    }

    static class ReservedName {
        @OnEvent("__ack")
        void handle() {}
    }

    @Test
    void aReservedEventNameIsRejected() {
        assertThat(rejection(new ReservedName()))
                .contains("@OnEvent(\"__ack\") void handle() handles \"__ack\", which the protocol answers itself");
    }

    static class DuplicateBase {
        @OnEvent("say")
        void first(JsonNode data) {}
    }

    static class DuplicateEvent extends DuplicateBase {
        @OnEvent("say")
        void second(Move move) {}
    }

    @Test
    void twoMethodsForOneEventAreRejected() {
        assertThat(rejection(new DuplicateEvent()))
                .isEqualTo("Cannot register listener " + DuplicateEvent.class.getName()
                        + ": two methods handle the event \"say\", void first(JsonNode) (declared in "
                        + DuplicateBase.class.getName() + ") and void second(AnnotatedListenersTest.Move); an event"
                        + " has one handler: remove one of them or rename its event");
    }

    static class TwoAnnotations {
        @OnConnect
        @OnDisconnect
        void handle(Socket socket) {}
    }

    @Test
    void twoAnnotationsOnOneMethodAreRejected() {
        assertThat(rejection(new TwoAnnotations()))
                .contains("has both @OnConnect and @OnDisconnect: a method handles one thing");
    }

    static class ConnectWithPayload {
        @OnConnect
        void handle(Socket socket, JsonNode data) {}
    }

    @Test
    void aConnectMethodWithAPayloadIsRejected() {
        assertThat(rejection(new ConnectWithPayload()))
                .contains("@OnConnect void handle(Socket, JsonNode) has a parameter of type JsonNode, which is not"
                        + " bound: @OnConnect methods take a Socket or nothing (there is no event payload or ack"
                        + " here)");
    }

    static class ConnectReturning {
        @OnConnect
        boolean handle(Socket socket) {
            return true;
        }
    }

    @Test
    void aConnectMethodReturningAValueIsRejected() {
        assertThat(rejection(new ConnectReturning()))
                .contains("@OnConnect boolean handle(Socket) returns boolean, which nobody would receive; declare it"
                        + " void");
    }

    static class DisconnectWithAck {
        @OnDisconnect
        void handle(Ack ack) {}
    }

    @Test
    void aDisconnectMethodWithAnAckIsRejected() {
        assertThat(rejection(new DisconnectWithAck()))
                .contains("@OnDisconnect methods take a Socket, a DisconnectReason, both or neither");
    }

    @Test
    void anObjectWithoutAnnotatedMethodsIsRejected() {
        assertThat(rejection("not a listener"))
                .isEqualTo("Cannot register listener java.lang.String: it has no @OnEvent, @OnConnect or"
                        + " @OnDisconnect method; annotate its methods (annotations on interface methods are not"
                        + " read)");
    }

    @Test
    void aClassInsteadOfAnInstanceIsRejected() {
        assertThat(rejection(StaticMethod.class)).endsWith("pass an instance (new StaticMethod(…)), not the class");
    }

    static class SeveralProblems {
        @OnEvent("fine")
        void fine(Socket socket) {}

        @OnEvent("")
        void unnamed() {}

        @OnConnect
        void connected(Move move) {}
    }

    @Test
    void everyProblemIsListedAndNothingIsRegistered() {
        assertThat(rejection(new SeveralProblems()))
                .startsWith("Cannot register listener " + SeveralProblems.class.getName() + " (2 problems):\n  - ")
                .contains("\n  - @OnConnect void connected(AnnotatedListenersTest.Move) has a parameter")
                .contains("\n  - @OnEvent(\"\") void unnamed() has an empty event name");
    }

    @Test
    void aNullListenerIsRejected() {
        assertThatThrownBy(() -> ns.register(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener == null");
    }
}
