package io.socketserve.demo.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What clients sent a test Redis while an action ran, as {@code MONITOR} shows it: one line per
 * command, the commands that scripts ran marked {@code [<db> lua]} (left out here).
 */
final class RedisMonitor {

    /** A command a client sent: its name (lower case) and the whole MONITOR line. */
    record Sent(String command, String line) {}

    /** What {@code action} returned, and the commands clients sent while it ran. */
    record Watched<T>(T result, List<Sent> sent) {}

    private RedisMonitor() {}

    static <T> Watched<T> watch(int port, Supplier<T> action) {
        try (Socket monitor = new Socket("127.0.0.1", port);
                Socket marker = new Socket("127.0.0.1", port)) {
            monitor.setSoTimeout(10_000);
            marker.setSoTimeout(10_000);
            send(monitor, "MONITOR");
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
            BufferedReader markerIn =
                    new BufferedReader(new InputStreamReader(marker.getInputStream(), StandardCharsets.UTF_8));
            if (!"+OK".equals(in.readLine())) {
                throw new IllegalStateException("MONITOR refused");
            }
            String start = "start-" + UUID.randomUUID();
            String end = "end-" + UUID.randomUUID();
            send(marker, "ECHO " + start);
            markerIn.readLine();
            markerIn.readLine();
            T result = action.get();
            send(marker, "ECHO " + end);
            markerIn.readLine();
            markerIn.readLine();
            List<Sent> sent = new ArrayList<>();
            boolean started = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.contains(start)) {
                    started = true;
                    continue;
                }
                if (line.contains(end)) {
                    break;
                }
                if (!started) {
                    continue;
                }
                // +<time> [<db> <client address>|lua] "<command>" "<arg>"…
                int bracket = line.indexOf(']');
                String source = line.substring(line.indexOf('[') + 1, bracket);
                if (source.endsWith(" lua")) {
                    continue;
                }
                int quote = line.indexOf('"', bracket);
                sent.add(new Sent(
                        line.substring(quote + 1, line.indexOf('"', quote + 1)).toLowerCase(), line));
            }
            return new Watched<>(result, sent);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(Socket socket, String inline) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
