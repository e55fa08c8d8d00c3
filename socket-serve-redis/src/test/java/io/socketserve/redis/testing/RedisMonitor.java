package io.socketserve.redis.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What a test Redis ran while an action ran, as {@code MONITOR} shows it: one line per command,
 * the commands that scripts ran marked {@code [<db> lua]}, those that clients sent with the
 * client's address. Markers ({@code ECHO}, on a connection of its own) bound the action.
 */
public final class RedisMonitor {

    /**
     * A command: its name (lower case), whether a script ran it (rather than a client sending it),
     * and the whole MONITOR line.
     */
    public record Command(String name, boolean fromScript, String line) {}

    /** What {@code action} returned, and the commands Redis ran while it ran, in order. */
    public record Watched<T>(T result, List<Command> commands) {

        /** The commands that clients sent (not those run by scripts). */
        public List<Command> sent() {
            return commands.stream().filter(c -> !c.fromScript()).toList();
        }
    }

    private RedisMonitor() {}

    /** Runs {@code action} while {@code MONITOR} watches the Redis on 127.0.0.1:{@code port}. */
    public static <T> Watched<T> watch(int port, Supplier<T> action) {
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
            List<Command> commands = new ArrayList<>();
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
                int quote = line.indexOf('"', bracket);
                String name =
                        line.substring(quote + 1, line.indexOf('"', quote + 1)).toLowerCase(Locale.ROOT);
                commands.add(new Command(name, source.endsWith(" lua"), line));
            }
            return new Watched<>(result, commands);
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
