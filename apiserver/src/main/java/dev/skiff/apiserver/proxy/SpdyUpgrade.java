package dev.skiff.apiserver.proxy;

import dev.skiff.api.proxy.UpgradeAwareProxy;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The SPDY upgrade to the kubelet that the stream translator and the stream tunnel both start with. */
final class SpdyUpgrade {
    private static final Logger log = LoggerFactory.getLogger(SpdyUpgrade.class);

    private SpdyUpgrade() {
    }

    /**
     * Asks the kubelet at {@code location} to switch to SPDY/3.1 with {@code protocol} as the stream
     * protocol. Completes with the kubelet's 101 answer, or with null once a refusal has been relayed to
     * the client as it came; fails when the kubelet cannot be reached.
     */
    static Future<UpgradeAwareProxy.UpgradeAnswer> dial(UpgradeAwareProxy kubelets, HttpServerRequest request, URI location,
                                                        String protocol) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Connection", "Upgrade")
                .add("Upgrade", "SPDY/3.1")
                .add("X-Stream-Protocol-Version", protocol);
        return kubelets.dialUpgrade(location, "POST", headers).map(answer -> {
            if (answer.code() == 101) {
                return answer;
            }
            log.info("the kubelet refused the SPDY upgrade path={} protocol={} code={}", request.path(), protocol, answer.code());
            UpgradeAwareProxy.relayRefused(request, answer);
            return null;
        });
    }
}
