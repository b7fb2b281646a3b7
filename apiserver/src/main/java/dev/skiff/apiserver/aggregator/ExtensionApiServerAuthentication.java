package dev.skiff.apiserver.aggregator;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.pki.ClusterPki;
import dev.skiff.apiserver.pki.PemFiles;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ConfigMap kube-system/extension-apiserver-authentication (upstream's cluster authentication
 * trust controller): what extension API servers read to trust the aggregator - the client CA, the
 * request-header CA, the proxy's allowed name and the X-Remote-* header names. Written at every
 * start, so a renewed CA reaches them.
 */
public final class ExtensionApiServerAuthentication {
    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "extension-apiserver-authentication";

    private ExtensionApiServerAuthentication() {
    }

    public static void publish(GenericRegistry<ConfigMap> configMaps, ClusterPki pki) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("client-ca-file", PemFiles.encode(pki.ca().certificate()));
        data.put("requestheader-client-ca-file", PemFiles.encode(pki.requestHeaderCa().certificate()));
        data.put("requestheader-allowed-names", "[\"" + ClusterPki.PROXY_CLIENT_USER + "\"]");
        data.put("requestheader-username-headers", "[\"X-Remote-User\"]");
        data.put("requestheader-group-headers", "[\"X-Remote-Group\"]");
        data.put("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]");
        ConfigMap wanted = new ConfigMapBuilder().withNewMetadata().withName(NAME).withNamespace(NAMESPACE).endMetadata()
                .withData(data).build();
        try {
            configMaps.create(NAMESPACE, wanted, false);
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
            ConfigMap existing = configMaps.get(NAMESPACE, NAME);
            if (!data.equals(existing.getData())) {
                existing.setData(data);
                configMaps.update(NAMESPACE, NAME, existing, false);
            }
        }
    }
}
