package io.socketserve.demo.proxy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's nginx ({@code /usr/sbin/nginx}) in front of the given instances, configured with the
 * blocks {@code nginx-main} and {@code nginx-http} of {@code docs/deploy.md}. Around them, this
 * class writes only what a distribution's {@code nginx.conf} holds and a test must move into its
 * own directory: pid file, error log, temp paths, {@code daemon off}, {@code user}.
 */
final class NginxProxy extends ProxyProcess {

    static final Path BINARY = Path.of("/usr/sbin/nginx");

    private NginxProxy(Path dir, int port, List<String> command) {
        super(dir, port, command);
    }

    /** Starts nginx on a free loopback port in front of the instances on these loopback ports. */
    static NginxProxy start(List<Integer> instancePorts) {
        return start(instancePorts, Map.of());
    }

    /** The same, with further literal replacements in the guide's {@code nginx-http} block. */
    static NginxProxy start(List<Integer> instancePorts, Map<String, String> changes) {
        Path nginx = require(BINARY, "nginx");
        if (instancePorts.size() != 2) {
            throw new IllegalArgumentException("the guide's upstream lists two instances");
        }
        Path dir = runDir("nginx-");
        int port = freePort();
        String main = DeployGuide.block("nginx-main");
        Map<String, String> values = new HashMap<>(changes);
        values.put("server 10.0.0.11:8080", "server 127.0.0.1:" + instancePorts.get(0));
        values.put("server 10.0.0.12:8080", "server 127.0.0.1:" + instancePorts.get(1));
        values.put("listen 80;", "listen 127.0.0.1:" + port + ";");
        values.put("/var/log/nginx/", dir + "/");
        String http = DeployGuide.substitute(DeployGuide.block("nginx-http"), "nginx-http", values);
        String conf = String.join(
                "\n",
                "# Written by NginxProxy: what Debian's nginx.conf holds, moved to the test's directory,",
                "# around the two blocks of docs/deploy.md.",
                "user " + System.getProperty("user.name") + ";", // ignored (with a warning) unless root
                "daemon off;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " notice;",
                "",
                "# ---- docs/deploy.md: nginx-main",
                main,
                "http {",
                "    client_body_temp_path " + dir.resolve("client_body") + ";",
                "    proxy_temp_path " + dir.resolve("proxy") + ";",
                "    fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "    scgi_temp_path " + dir.resolve("scgi") + ";",
                "    access_log " + dir.resolve("default-access.log") + ";",
                "",
                "    # ---- docs/deploy.md: nginx-http",
                http,
                "}",
                "");
        write(dir.resolve("nginx.conf"), conf);
        return new NginxProxy(
                dir,
                port,
                List.of(
                        nginx.toString(),
                        "-p",
                        dir.toString(),
                        "-c",
                        dir.resolve("nginx.conf").toString(),
                        "-e",
                        dir.resolve("error.log").toString()));
    }
}
