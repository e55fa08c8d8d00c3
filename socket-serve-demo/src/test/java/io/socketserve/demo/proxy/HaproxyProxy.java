package io.socketserve.demo.proxy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's HAProxy ({@code /usr/sbin/haproxy}) in front of the given instances, configured with the
 * block {@code haproxy} of {@code docs/deploy.md}, after a {@code global} section that logs to
 * standard output (Debian's logs to syslog, runs chrooted as user {@code haproxy}, and daemonizes:
 * none of which a test can do). Runs in the foreground ({@code -db}).
 */
final class HaproxyProxy extends ProxyProcess {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private HaproxyProxy(Path dir, int port, List<String> command) {
        super(dir, port, command);
    }

    /** Starts HAProxy on a free loopback port in front of the instances on these loopback ports. */
    static HaproxyProxy start(List<Integer> instancePorts) {
        return start(instancePorts, Map.of());
    }

    /** The same, with further literal replacements in the guide's {@code haproxy} block. */
    static HaproxyProxy start(List<Integer> instancePorts, Map<String, String> changes) {
        Path haproxy = require(BINARY, "haproxy");
        if (instancePorts.size() != 2) {
            throw new IllegalArgumentException("the guide's backend lists two instances");
        }
        Path dir = runDir("haproxy-");
        int port = freePort();
        Map<String, String> values = new HashMap<>(changes);
        values.put("10.0.0.11:8080", "127.0.0.1:" + instancePorts.get(0));
        values.put("10.0.0.12:8080", "127.0.0.1:" + instancePorts.get(1));
        values.put("bind :80", "bind 127.0.0.1:" + port);
        String guide = DeployGuide.substitute(DeployGuide.block("haproxy"), "haproxy", values);
        String conf = String.join(
                "\n",
                "# Written by HaproxyProxy: a global section for a test, then the block of docs/deploy.md.",
                "global",
                "    log stdout format raw local0 info",
                "",
                "# ---- docs/deploy.md: haproxy",
                guide);
        write(dir.resolve("haproxy.cfg"), conf);
        return new HaproxyProxy(
                dir,
                port,
                List.of(
                        haproxy.toString(),
                        "-db",
                        "-f",
                        dir.resolve("haproxy.cfg").toString()));
    }
}
