package io.socketserve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.socketserve.ServerOptions;
import io.socketserve.SocketServer;
import io.socketserve.internal.EndpointClient.Session;
import io.socketserve.memory.InMemoryBackend;
import io.socketserve.spi.Backend;
import io.socketserve.transport.SocketEndpoint;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients resuming on an instance that started after their position (a fresh instance after a
 * deploy: issue 16's resume storm) replay from the backend; the entries one replay read are kept
 * with the recent ones, so the next clients from as far back replay from memory instead of reading
 * and decoding the same range again. Every client still gets exactly what it missed.
 */
class SharedReplayReadsTest {

    private final InMemoryBackend memory = new InMemoryBackend();
    private final AtomicInteger reads = new AtomicInteger();
    private final List<SocketServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).close();
        }
    }

    private SocketServer server(Backend backend) {
        SocketServer s =
                SocketServer.create(ServerOptions.builder().backend(backend).build());
        servers.add(s);
        s.on("join", (socket, data, ack) -> socket.join(data.path("room").asText()));
        s.on(
                "say",
                (socket, data, ack) -> socket.broadcastToRoom(
                        data.path("room").asText(),
                        "said",
                        Map.of("text", data.path("text").asText())));
        return s;
    }

    /**
     * The shared in-memory backend as a second instance sees it: started and closed by the first,
     * its log reads counted.
     */
    private Backend counted() {
        return (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), memory.getClass().getInterfaces(), (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "start":
                            return CompletableFuture.completedFuture(null);
                        case "close":
                            return null;
                        case "read":
                            reads.incrementAndGet();
                            break;
                        default:
                            break;
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code n} new sessions, each in room {@code r}. */
    private static List<Session> joined(EndpointClient instance, int n) throws Exception {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Session c = instance.connect();
            instance.emit(c, "join", "{\"room\":\"r\"}");
            sessions.add(c);
        }
        return sessions;
    }

    /** Opens the streams of {@code clients} one after the other, each after {@code position}. */
    private static List<RecordingSink> resume(EndpointClient instance, List<Session> clients, long position)
            throws Exception {
        List<RecordingSink> streams = new ArrayList<>();
        for (Session c : clients) {
            streams.add(instance.open(c, position));
        }
        return streams;
    }

    /** The texts of the {@code count} next events, each of which must be {@code said}. */
    private static List<String> said(RecordingSink sink, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(sink.assertEvent("said").json().path("data").path("text").asText());
        }
        return texts;
    }

    @Test
    void clientsResumingFromAsFarBackShareOneReadAndEachGetsWhatItMissed() throws Exception {
        EndpointClient first = new EndpointClient(SocketEndpoint.of(server(memory)));
        Session speaker = first.connect();
        List<Session> early = joined(first, 10);
        first.emit(speaker, "say", "{\"room\":\"r\",\"text\":\"e\"}");
        long earlyPosition = memory.head().toCompletableFuture().get();
        List<Session> late = joined(first, 10);
        first.emit(speaker, "say", "{\"room\":\"r\",\"text\":\"l\"}");
        long latePosition = memory.head().toCompletableFuture().get();
        List<String> away = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            first.emit(speaker, "say", "{\"room\":\"r\",\"text\":\"" + i + "\"}");
            away.add(Integer.toString(i));
        }

        // a fresh instance: everything before its start is in the backend only
        EndpointClient fresh = new EndpointClient(SocketEndpoint.of(server(counted())));
        List<RecordingSink> lateStreams = resume(fresh, late, latePosition);
        assertThat(reads.get()).as("reads for the ten late clients").isEqualTo(1);
        List<RecordingSink> earlyStreams = resume(fresh, early, earlyPosition);
        assertThat(reads.get())
                .as("one more read, of what lies before the first one, for the ten early clients")
                .isEqualTo(2);

        // each got what it missed, once, then live messages as usual
        fresh.emit(speaker, "say", "{\"room\":\"r\",\"text\":\"live\"}");
        List<String> lateExpected = new ArrayList<>(away);
        lateExpected.add("live");
        for (RecordingSink s : lateStreams) {
            assertThat(said(s, lateExpected.size())).isEqualTo(lateExpected);
        }
        List<String> earlyExpected = new ArrayList<>(List.of("l"));
        earlyExpected.addAll(lateExpected);
        for (RecordingSink s : earlyStreams) {
            assertThat(said(s, earlyExpected.size())).isEqualTo(earlyExpected);
        }
    }
}
