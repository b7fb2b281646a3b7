package dev.skiff.registry.networking.ingress;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Ingresses as upstream's pkg/registry/networking/ingress: rules or a default backend, path types, status kept on update. */
public final class IngressStrategy implements Strategy<Ingress> {
    public static final Resource<Ingress> RESOURCE =
            new Resource<>("networking.k8s.io", "ingresses", "Ingress", true, "/registry/ingress", Ingress.class, Ingress::new);
    private static final List<String> PATH_TYPES = List.of("Exact", "ImplementationSpecific", "Prefix");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Ingress ing) {
        ing.setStatus(null);
    }

    @Override
    public void prepareForUpdate(Ingress ing, Ingress old) {
        ing.setStatus(old.getStatus());
    }

    @Override
    public List<Cause> validate(Ingress ing) {
        IngressSpec spec = ing.getSpec() == null ? new IngressSpec() : ing.getSpec();
        List<Cause> causes = new ArrayList<>();
        List<IngressRule> rules = spec.getRules() == null ? List.of() : spec.getRules();
        if (rules.isEmpty() && spec.getDefaultBackend() == null) {
            causes.add(new Cause("FieldValueInvalid", "spec", "Invalid value: \"\": either `defaultBackend` or `rules` must be specified"));
        }
        for (int i = 0; i < rules.size(); i++) {
            IngressRule rule = rules.get(i);
            if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
                continue;
            }
            List<HTTPIngressPath> paths = rule.getHttp().getPaths();
            if (paths.isEmpty()) {
                causes.add(Cause.required("spec.rules[" + i + "].http.paths"));
            }
            for (int p = 0; p < paths.size(); p++) {
                String at = "spec.rules[" + i + "].http.paths[" + p + "]";
                HTTPIngressPath path = paths.get(p);
                String value = path.getPath() == null ? "" : path.getPath();
                if (path.getPathType() == null || path.getPathType().isEmpty()) {
                    causes.add(Cause.required(at + ".pathType", "pathType must be specified"));
                } else if (!PATH_TYPES.contains(path.getPathType())) {
                    causes.add(Cause.notSupported(at + ".pathType", path.getPathType(), PATH_TYPES));
                } else if (!path.getPathType().equals("ImplementationSpecific") && !value.startsWith("/")) {
                    causes.add(Cause.invalid(at + ".path", value, "must be an absolute path"));
                }
                if (path.getBackend() == null || path.getBackend().getService() == null && path.getBackend().getResource() == null) {
                    causes.add(Cause.invalid(at + ".backend", "", "one backend (service or resource) must be specified"));
                }
            }
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Ingress ing, Ingress old) {
        return validate(ing);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(Ingress ing) {
        return ing.getSpec();
    }

    @Override
    public Map<String, Strategy<Ingress>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (ing, old) -> ing.setSpec(old.getSpec())));
    }
}
