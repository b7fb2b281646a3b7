package dev.skiff.api.core.v1;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod spec's API-type defaults, as upstream's core/v1 SetDefaults_PodSpec and SetDefaults_Container: what the
 * API server fills into every pod and pod template, and what the kubelet fills into static pods read from files.
 */
public final class PodSpecDefaults {
    private PodSpecDefaults() {
    }

    /** The spec's own defaults (the API-type defaulting that also runs on every update). */
    public static void apply(PodSpec spec) {
        if (spec.getDnsPolicy() == null || spec.getDnsPolicy().isEmpty()) {
            spec.setDnsPolicy("ClusterFirst");
        }
        if (spec.getRestartPolicy() == null || spec.getRestartPolicy().isEmpty()) {
            spec.setRestartPolicy("Always");
        }
        if (spec.getSecurityContext() == null) {
            spec.setSecurityContext(new PodSecurityContext());
        }
        if (spec.getTerminationGracePeriodSeconds() == null) {
            spec.setTerminationGracePeriodSeconds(30L);
        }
        if (spec.getSchedulerName() == null || spec.getSchedulerName().isEmpty()) {
            spec.setSchedulerName("default-scheduler");
        }
        if (spec.getEnableServiceLinks() == null) {
            spec.setEnableServiceLinks(true);
        }
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        for (Container c : containers(spec.getInitContainers())) {
            applyContainer(c, hostNetwork);
        }
        for (Container c : containers(spec.getContainers())) {
            applyContainer(c, hostNetwork);
        }
    }

    public static void applyContainer(Container c, boolean hostNetwork) {
        if (c.getImagePullPolicy() == null || c.getImagePullPolicy().isEmpty()) {
            c.setImagePullPolicy(imagePullPolicy(c.getImage()));
        }
        if (c.getTerminationMessagePath() == null || c.getTerminationMessagePath().isEmpty()) {
            c.setTerminationMessagePath("/dev/termination-log");
        }
        if (c.getTerminationMessagePolicy() == null || c.getTerminationMessagePolicy().isEmpty()) {
            c.setTerminationMessagePolicy("File");
        }
        for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
            if (port.getProtocol() == null || port.getProtocol().isEmpty()) {
                port.setProtocol("TCP");
            }
            if (hostNetwork && (port.getHostPort() == null || port.getHostPort() == 0)) {
                port.setHostPort(port.getContainerPort());
            }
        }
        if (c.getResources() == null) {
            c.setResources(new ResourceRequirements());
        }
        // limits without requests: the requests are the limits (SetDefaults_Pod)
        Map<String, Quantity> limits = c.getResources().getLimits();
        if (limits != null && !limits.isEmpty()) {
            Map<String, Quantity> requests = new LinkedHashMap<>(c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests());
            limits.forEach(requests::putIfAbsent);
            c.getResources().setRequests(requests);
        }
    }

    /** Always for ":latest" or no tag, IfNotPresent for any other tag or a digest, as SetDefaults_Container. */
    public static String imagePullPolicy(String image) {
        if (image == null || image.isEmpty()) {
            return "IfNotPresent";
        }
        if (image.contains("@")) {
            return "IfNotPresent";
        }
        String last = image.substring(image.lastIndexOf('/') + 1);
        int colon = last.lastIndexOf(':');
        String tag = colon < 0 ? "" : last.substring(colon + 1);
        return tag.isEmpty() || tag.equals("latest") ? "Always" : "IfNotPresent";
    }

    private static List<Container> containers(List<Container> containers) {
        return containers == null ? List.of() : containers;
    }
}
