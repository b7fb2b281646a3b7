package dev.skiff.registry.core.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a created pod gets filled in, as upstream: core/v1 SetDefaults_Pod, SetDefaults_PodSpec and
 * SetDefaults_Container, and the admission plugins every cluster runs by default - ServiceAccount
 * (serviceAccountName "default"), Priority (priority 0, PreemptLowerPriority when no class is named)
 * and DefaultTolerationSeconds (tolerate not-ready/unreachable for 300 s).
 */
public final class PodDefaults {
    static final long DEFAULT_TOLERATION_SECONDS = 300;

    private PodDefaults() {
    }

    static void apply(Pod pod) {
        PodSpec spec = pod.getSpec();
        applySpec(spec);
        if (isEmpty(spec.getServiceAccountName())) {
            spec.setServiceAccountName(isEmpty(spec.getServiceAccount()) ? "default" : spec.getServiceAccount());
        }
        spec.setServiceAccount(spec.getServiceAccountName());
        if (spec.getPriority() == null && isEmpty(spec.getPriorityClassName())) {
            spec.setPriority(0);
        }
        if (spec.getPreemptionPolicy() == null) {
            spec.setPreemptionPolicy("PreemptLowerPriority");
        }
        List<Toleration> tolerations = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
        for (String taint : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
            boolean tolerated = tolerations.stream().anyMatch(t -> (isEmpty(t.getKey()) || taint.equals(t.getKey()))
                    && (isEmpty(t.getEffect()) || "NoExecute".equals(t.getEffect())));
            if (!tolerated) {
                tolerations.add(new Toleration("NoExecute", taint, "Exists", DEFAULT_TOLERATION_SECONDS, null));
            }
        }
        spec.setTolerations(tolerations);
    }

    /** The spec's own defaults (the API-type defaulting that also runs on every update). */
    public static void applySpec(PodSpec spec) {
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
        for (Container c : PodStrategy.containers(spec.getInitContainers())) {
            applyContainer(c, hostNetwork);
        }
        for (Container c : PodStrategy.containers(spec.getContainers())) {
            applyContainer(c, hostNetwork);
        }
    }

    static void applyContainer(Container c, boolean hostNetwork) {
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
    static String imagePullPolicy(String image) {
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

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
