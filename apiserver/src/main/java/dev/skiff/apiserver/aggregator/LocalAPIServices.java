package dev.skiff.apiserver.aggregator;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.GroupVersion;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local APIServices, one per group-version the server serves itself (upstream's autoregister
 * controller with its "onstart" services, e.g. {@code v1.apps}): created at start when missing, so
 * {@code kubectl get apiservices} lists them, never fought over afterwards - an administrator may
 * point one at a service (metrics-server's {@code v1beta1.metrics.k8s.io}) and the aggregator then
 * proxies it. Priorities follow the discovery order: 18000 for the first group, 100 less per group
 * after it, and metrics.k8s.io at metrics-server's 100.
 */
public final class LocalAPIServices {
    static final String AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";

    private LocalAPIServices() {
    }

    public static void ensure(GenericRegistry<APIService> apiServices, List<GroupVersion> served) {
        Map<String, List<GroupVersion>> byGroup = new LinkedHashMap<>();
        served.forEach(gv -> byGroup.computeIfAbsent(gv.group(), g -> new ArrayList<>()).add(gv));
        int groupPriority = 18000;
        for (var entry : byGroup.entrySet()) {
            List<GroupVersion> versions = entry.getValue();
            int priority = entry.getKey().equals("metrics.k8s.io") ? 100 : groupPriority;
            for (int i = 0; i < versions.size(); i++) {
                GroupVersion gv = versions.get(i);
                APIService service = new APIServiceBuilder().withNewMetadata().withName(gv.version() + "." + gv.group())
                        .addToLabels(AUTOMANAGED_LABEL, "onstart").endMetadata()
                        .withNewSpec().withGroup(gv.group()).withVersion(gv.version()).withGroupPriorityMinimum(priority)
                        .withVersionPriority(15 * (versions.size() - i)).endSpec().build();
                try {
                    apiServices.create(null, service, false);
                } catch (ApiException e) {
                    if (e.code() != 409) {
                        throw e;
                    }
                }
            }
            groupPriority -= 100;
        }
    }
}
