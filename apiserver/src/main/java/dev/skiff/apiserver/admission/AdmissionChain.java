package dev.skiff.apiserver.admission;

import java.util.List;

/**
 * The admission stage for mutating resource requests: every plugin's mutating phase in order,
 * then every plugin's validating phase in order, as kube-apiserver runs them. Empty for now.
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

    public List<String> names() {
        return plugins.stream().map(AdmissionPlugin::name).toList();
    }
}
