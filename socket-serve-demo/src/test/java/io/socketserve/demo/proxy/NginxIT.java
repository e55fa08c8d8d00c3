package io.socketserve.demo.proxy;

import java.util.List;
import java.util.Map;

/**
 * Debian's nginx, configured with the blocks of {@code docs/deploy.md}, in front of two demo
 * instances on one Redis: chat over SSE and long-polling, no buffering, resume after a dropped
 * connection and after a killed instance, a rolling restart with graceful shutdown, logs without
 * credentials. Without {@code /usr/sbin/nginx} it fails and says to run {@code ./test.sh}.
 */
class NginxIT extends ReverseProxyContract {

    @Override
    ProxyProcess startProxy(List<Integer> instancePorts, Map<String, String> changes) {
        return NginxProxy.start(instancePorts, changes);
    }

    @Override
    Map<String, String> readTimeout(String value) {
        return Map.of(
                "proxy_read_timeout 75s;", "proxy_read_timeout " + value + ";",
                "proxy_send_timeout 75s;", "proxy_send_timeout " + value + ";");
    }
}
