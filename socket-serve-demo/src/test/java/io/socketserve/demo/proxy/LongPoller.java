package io.socketserve.demo.proxy;

import io.socketserve.netty.testing.TestClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client on long-polling: polls through the proxy, after the last position it got, again and again. */
final class LongPoller implements AutoCloseable {
    private final TestClient client;
    private final List<Integer> said = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    LongPoller(TestClient client) {
        this.client = client;
        this.thread = new Thread(this::poll, "poller");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            long after = client.poll().position();
            while (!closed) {
                TestClient.PollResult r = client.poll(after, 2_000);
                if (r.http().status() != 200) {
                    failures.add(r.http().toString());
                    return;
                }
                r.messages().stream()
                        .filter(f -> f.event().equals("said"))
                        .forEach(f -> said.add(f.data().path("n").asInt()));
                after = r.position();
            }
        } catch (RuntimeException e) {
            failures.add(e.toString());
        }
    }

    List<Integer> said() {
        return List.copyOf(said);
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(10_000);
    }
}
