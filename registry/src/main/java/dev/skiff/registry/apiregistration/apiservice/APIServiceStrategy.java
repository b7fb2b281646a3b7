package dev.skiff.registry.apiregistration.apiservice;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.APIServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * APIServices as upstream's kube-aggregator registry (pkg/registry/apiservice and
 * pkg/apis/apiregistration/validation): the name is {@code <version>.<group>}, priorities in their
 * ranges, a service reference only with a port in range, a CA bundle or insecureSkipTLSVerify but not
 * both, and neither on a local APIService (no service). Status only through the status subresource.
 */
public final class APIServiceStrategy implements Strategy<APIService> {
    public static final Resource<APIService> RESOURCE = new Resource<>("apiregistration.k8s.io", "apiservices", "APIService", false,
            "/registry/apiregistration.k8s.io/apiservices", APIService.class, APIService::new);
    static final int MAX_GROUP_PRIORITY = 20000;
    static final int MAX_VERSION_PRIORITY = 1000;

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(APIService service) {
        service.setStatus(null);
        defaultPort(service);
    }

    @Override
    public void prepareForUpdate(APIService service, APIService old) {
        service.setStatus(old.getStatus());
        defaultPort(service);
    }

    @Override
    public List<Cause> validate(APIService service) {
        APIServiceSpec spec = service.getSpec() == null ? new APIServiceSpec() : service.getSpec();
        List<Cause> causes = new ArrayList<>();
        String group = spec.getGroup() == null ? "" : spec.getGroup();
        String version = spec.getVersion() == null ? "" : spec.getVersion();
        String name = service.getMetadata().getName();
        if (!(version + "." + group).equals(name)) {
            causes.add(Cause.invalid("metadata.name", name, "must be `spec.version+\".\"+spec.group`"));
        }
        if (!group.isEmpty()) {
            NameFormats.isDns1123Subdomain(group).forEach(m -> causes.add(Cause.invalid("spec.group", group, m)));
        }
        if (version.isEmpty()) {
            causes.add(Cause.required("spec.version"));
        } else {
            NameFormats.isDns1035Label(version).forEach(m -> causes.add(Cause.invalid("spec.version", version, m)));
        }
        int groupPriority = spec.getGroupPriorityMinimum() == null ? 0 : spec.getGroupPriorityMinimum();
        if (groupPriority <= 0 || groupPriority > MAX_GROUP_PRIORITY) {
            causes.add(Cause.invalid("spec.groupPriorityMinimum", groupPriority, "must be positive and less than " + MAX_GROUP_PRIORITY));
        }
        int versionPriority = spec.getVersionPriority() == null ? 0 : spec.getVersionPriority();
        if (versionPriority <= 0 || versionPriority > MAX_VERSION_PRIORITY) {
            causes.add(Cause.invalid("spec.versionPriority", versionPriority, "must be positive and less than " + MAX_VERSION_PRIORITY));
        }
        boolean caBundle = spec.getCaBundle() != null && !spec.getCaBundle().isEmpty();
        boolean skipVerify = Boolean.TRUE.equals(spec.getInsecureSkipTLSVerify());
        if (spec.getService() == null) {
            if (caBundle) {
                causes.add(Cause.invalid("spec.caBundle", spec.getCaBundle(), "local APIServices may not have a caBundle"));
            }
            if (skipVerify) {
                causes.add(Cause.invalid("spec.insecureSkipTLSVerify", true, "local APIServices may not have insecureSkipTLSVerify"));
            }
        } else {
            var ref = spec.getService();
            if (ref.getNamespace() == null || ref.getNamespace().isEmpty()) {
                causes.add(Cause.required("spec.service.namespace"));
            }
            if (ref.getName() == null || ref.getName().isEmpty()) {
                causes.add(Cause.required("spec.service.name"));
            }
            if (ref.getPort() != null && (ref.getPort() < 1 || ref.getPort() > 65535)) {
                causes.add(Cause.invalid("spec.service.port", ref.getPort(), "must be a valid port number"));
            }
        }
        if (skipVerify && caBundle) {
            causes.add(Cause.invalid("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(APIService service, APIService old) {
        return validate(service);
    }

    /** The port defaults to 443, as upstream's SetDefaults_ServiceReference. */
    private static void defaultPort(APIService service) {
        if (service.getSpec() != null && service.getSpec().getService() != null && service.getSpec().getService().getPort() == null) {
            service.getSpec().getService().setPort(443);
        }
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(APIService service) {
        return service.getSpec();
    }

    @Override
    public Map<String, Strategy<APIService>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (service, old) -> service.setSpec(old.getSpec())));
    }
}
