package io.socketserve.demo.proxy;

import java.util.List;

/**
 * Debian's HAProxy, configured with the block of {@code docs/deploy.md}, in front of two demo
 * instances on one Redis: the same scenarios as {@link NginxIT}. Without {@code /usr/sbin/haproxy}
 * it fails and says to run {@code ./test.sh}.
 */
class HaproxyIT extends ReverseProxyContract {

    @Override
    ProxyProcess startProxy(List<Integer> instancePorts) {
        return HaproxyProxy.start(instancePorts);
    }
}
