package dev.skiff.apiserver.admission;

import dev.skiff.registry.generic.ObjectAdmission;
import dev.skiff.registry.generic.StoreHooks;
import java.util.List;

/**
 * The admission stage for mutating resource requests: every plugin's mutating phase in order,
 * then every plugin's validating phase in order, as kube-apiserver runs them; the object-level
 * validating phase is handed to the registry per request ({@link #forObjects}).
 */
public final class AdmissionChain {
    private final List<AdmissionPlugin> plugins;

    public AdmissionChain(List<AdmissionPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
    }

    public static AdmissionChain empty() {
        return new AdmissionChain(List.of());
    }

    public AdmissionAttributes admit(AdmissionAttributes attributes) {
        var current = attributes;
        for (var plugin : plugins) {
            if (plugin.handles(current)) {
                current = plugin.admit(current);
            }
        }
        for (var plugin : plugins) {
            if (plugin.handles(current)) {
                plugin.validate(current);
            }
        }
        return current;
    }

    /** The object-level validation of every plugin for one request, as the registry runs it; a refusal reverts what earlier plugins reserved. */
    public ObjectAdmission forObjects(dev.skiff.apiserver.authn.UserInfo user, dev.skiff.apiserver.request.RequestInfo request,
                                      dev.skiff.apiserver.endpoints.Warnings warnings) {
        return (object, old, dryRun) -> {
            var attributes = new ObjectAttributes(user, request, object, old, dryRun, warnings);
            StoreHooks.Transaction all = StoreHooks.Transaction.NONE;
            for (var plugin : plugins) {
                StoreHooks.Transaction done = all;
                all = ObjectAdmission.admitThenBegin(done, () -> plugin.validateObject(attributes));
            }
            return all;
        };
    }

    public List<String> names() {
        return plugins.stream().map(AdmissionPlugin::name).toList();
    }
}
