package io.socketserve.demo.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client's event stream that, like a browser's {@code EventSource}, opens again through the
 * proxy with {@code Last-Event-ID} whenever it ends.
 */
final class ResumingStream implements AutoCloseable {
    private final URI base;
    private final String credential;
    private final List<EventStream> streams = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    ResumingStream(URI base, String credential) {
        this.base = base;
        this.credential = credential;
        this.thread = new Thread(this::follow, "follower");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        long last = -1;
        while (!closed) {
            EventStream s;
            try {
                s = EventStream.open(base, credential, last);
            } catch (RuntimeException | AssertionError e) {
                if (!closed) {
                    failures.add(e.toString());
                }
                return;
            }
            streams.add(s);
            while (!s.awaitEnd(Duration.ofMillis(200))) {
                if (closed) {
                    s.close();
                    return;
                }
            }
            last = Math.max(last, s.lastEventId());
        }
    }

    /** The {@code n} of every {@code said} frame of every stream, in order. */
    List<Integer> said() {
        List<Integer> out = new ArrayList<>();
        for (EventStream s : streams) {
            s.frames("said").forEach(f -> out.add(f.data().path("n").asInt()));
        }
        return out;
    }

    List<EventStream> endedStreams() {
        return streams.stream().filter(EventStream::ended).toList();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public String toString() {
        return streams.size() + " streams, " + endedStreams().size() + " ended, failures " + failures;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(10_000);
        streams.forEach(EventStream::close);
    }
}
