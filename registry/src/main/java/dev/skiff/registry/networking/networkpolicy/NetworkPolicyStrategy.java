package dev.skiff.registry.networking.networkpolicy;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * NetworkPolicies as upstream's pkg/registry/networking/networkpolicy: policyTypes default to
 * Ingress (plus Egress when egress rules are given), ports to TCP; podSelector required. Stored
 * and served only: nothing enforces them yet.
 */
public final class NetworkPolicyStrategy implements Strategy<NetworkPolicy> {
    public static final Resource<NetworkPolicy> RESOURCE =
            Resource.of("networking.k8s.io", "networkpolicies", "NetworkPolicy", true, NetworkPolicy.class, NetworkPolicy::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(NetworkPolicy np) {
        setDefaults(np);
    }

    @Override
    public void prepareForUpdate(NetworkPolicy np, NetworkPolicy old) {
        setDefaults(np);
    }

    private static void setDefaults(NetworkPolicy np) {
        NetworkPolicySpec spec = np.getSpec();
        if (spec == null) {
            return;
        }
        if (spec.getPolicyTypes() == null || spec.getPolicyTypes().isEmpty()) {
            List<String> types = new ArrayList<>(List.of("Ingress"));
            if (spec.getEgress() != null && !spec.getEgress().isEmpty()) {
                types.add("Egress");
            }
            spec.setPolicyTypes(types);
        }
        if (spec.getIngress() != null) {
            spec.getIngress().forEach(rule -> defaultPorts(rule.getPorts()));
        }
        if (spec.getEgress() != null) {
            spec.getEgress().forEach(rule -> defaultPorts(rule.getPorts()));
        }
    }

    private static void defaultPorts(List<NetworkPolicyPort> ports) {
        if (ports != null) {
            ports.stream().filter(p -> p.getProtocol() == null || p.getProtocol().isEmpty()).forEach(p -> p.setProtocol("TCP"));
        }
    }

    @Override
    public List<Cause> validate(NetworkPolicy np) {
        NetworkPolicySpec spec = np.getSpec() == null ? new NetworkPolicySpec() : np.getSpec();
        List<Cause> causes = new ArrayList<>();
        List<String> types = spec.getPolicyTypes() == null ? List.of() : spec.getPolicyTypes();
        if (types.size() > 2) {
            causes.add(Cause.invalid("spec.policyTypes", String.join(",", types), "may not specify more than two policyTypes"));
        }
        for (int i = 0; i < types.size(); i++) {
            if (!List.of("Ingress", "Egress").contains(types.get(i))) {
                causes.add(Cause.notSupported("spec.policyTypes[" + i + "]", types.get(i), List.of("Ingress", "Egress")));
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(NetworkPolicy np, NetworkPolicy old) {
        return validate(np);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(NetworkPolicy np) {
        return np.getSpec();
    }
}
