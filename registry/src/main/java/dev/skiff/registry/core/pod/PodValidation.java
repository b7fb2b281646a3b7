package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSchedulingGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The parts of upstream's ValidatePodSpec / ValidatePodUpdate skiff checks, with upstream's field
 * paths and messages: containers (required, unique RFC 1123 names, image, ports, pull policy,
 * termination message policy), restartPolicy, dnsPolicy, activeDeadlineSeconds; on update, the
 * spec is immutable except images, activeDeadlineSeconds, added tolerations, removed scheduling
 * gates and a negative terminationGracePeriodSeconds set to 1.
 */
public final class PodValidation {
    static final String IMMUTABLE_SPEC = "pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
            + "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
    static final List<String> RESTART_POLICIES = List.of("Always", "Never", "OnFailure");
    private static final List<String> DNS_POLICIES = List.of("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> MESSAGE_POLICIES = List.of("FallbackToLogsOnError", "File");
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    private PodValidation() {
    }

    public static List<Cause> validateSpec(PodSpec spec, String path) {
        List<Cause> causes = new ArrayList<>();
        if (spec == null) {
            causes.add(Cause.required(path + ".containers"));
            return causes;
        }
        Set<String> names = new HashSet<>();
        validateContainers(spec.getInitContainers(), path + ".initContainers", names, causes);
        if (PodStrategy.containers(spec.getContainers()).isEmpty()) {
            causes.add(Cause.required(path + ".containers"));
        }
        validateContainers(spec.getContainers(), path + ".containers", names, causes);
        if (!RESTART_POLICIES.contains(spec.getRestartPolicy())) {
            causes.add(spec.getRestartPolicy() == null || spec.getRestartPolicy().isEmpty() ? Cause.required(path + ".restartPolicy")
                    : Cause.notSupported(path + ".restartPolicy", spec.getRestartPolicy(), RESTART_POLICIES));
        }
        if (!DNS_POLICIES.contains(spec.getDnsPolicy())) {
            causes.add(Cause.notSupported(path + ".dnsPolicy", spec.getDnsPolicy(), DNS_POLICIES));
        }
        if (spec.getActiveDeadlineSeconds() != null && (spec.getActiveDeadlineSeconds() < 1 || spec.getActiveDeadlineSeconds() > Integer.MAX_VALUE)) {
            causes.add(Cause.invalid(path + ".activeDeadlineSeconds", spec.getActiveDeadlineSeconds(),
                    "must be between 1 and 2147483647, inclusive"));
        }
        return causes;
    }

    private static void validateContainers(List<Container> containers, String path, Set<String> names, List<Cause> causes) {
        List<Container> list = PodStrategy.containers(containers);
        for (int i = 0; i < list.size(); i++) {
            Container c = list.get(i);
            String at = path + "[" + i + "]";
            String name = c.getName();
            if (name == null || name.isEmpty()) {
                causes.add(Cause.required(at + ".name"));
            } else {
                for (String message : NameFormats.isDns1123Label(name)) {
                    causes.add(Cause.invalid(at + ".name", name, message));
                }
                if (!names.add(name)) {
                    causes.add(Cause.duplicate(at + ".name", name));
                }
            }
            if (c.getImage() == null || c.getImage().isBlank()) {
                causes.add(Cause.required(at + ".image"));
            }
            if (!PULL_POLICIES.contains(c.getImagePullPolicy())) {
                causes.add(Cause.notSupported(at + ".imagePullPolicy", c.getImagePullPolicy(), PULL_POLICIES));
            }
            if (!MESSAGE_POLICIES.contains(c.getTerminationMessagePolicy())) {
                causes.add(Cause.notSupported(at + ".terminationMessagePolicy", c.getTerminationMessagePolicy(), MESSAGE_POLICIES));
            }
            validatePorts(c.getPorts(), at + ".ports", causes);
        }
    }

    private static void validatePorts(List<ContainerPort> ports, String path, List<Cause> causes) {
        Set<String> portNames = new HashSet<>();
        List<ContainerPort> list = ports == null ? List.of() : ports;
        for (int i = 0; i < list.size(); i++) {
            ContainerPort p = list.get(i);
            String at = path + "[" + i + "]";
            if (p.getName() != null && !p.getName().isEmpty()) {
                for (String message : portNameErrors(p.getName())) {
                    causes.add(Cause.invalid(at + ".name", p.getName(), message));
                }
                if (!portNames.add(p.getName())) {
                    causes.add(Cause.duplicate(at + ".name", p.getName()));
                }
            }
            if (p.getContainerPort() == null || p.getContainerPort() == 0) {
                causes.add(Cause.required(at + ".containerPort"));
            } else if (p.getContainerPort() < 1 || p.getContainerPort() > 65535) {
                causes.add(Cause.invalid(at + ".containerPort", p.getContainerPort(), "must be between 1 and 65535, inclusive"));
            }
            if (p.getHostPort() != null && p.getHostPort() != 0 && (p.getHostPort() < 1 || p.getHostPort() > 65535)) {
                causes.add(Cause.invalid(at + ".hostPort", p.getHostPort(), "must be between 1 and 65535, inclusive"));
            }
            if (p.getProtocol() == null || p.getProtocol().isEmpty()) {
                causes.add(Cause.required(at + ".protocol"));
            } else if (!PROTOCOLS.contains(p.getProtocol())) {
                causes.add(Cause.notSupported(at + ".protocol", p.getProtocol(), PROTOCOLS));
            }
        }
    }

    /** apimachinery's IsValidPortName (an IANA_SVC_NAME). */
    static List<String> portNameErrors(String name) {
        List<String> errors = new ArrayList<>();
        if (name.length() > 15) {
            errors.add("must be no more than 15 characters");
        }
        if (!name.matches("[-a-z0-9]+")) {
            errors.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (name.contains("--")) {
            errors.add("must not contain consecutive hyphens");
        }
        if (!name.matches(".*[a-z].*")) {
            errors.add("must contain at least one letter (a-z)");
        }
        if (name.startsWith("-") || name.endsWith("-")) {
            errors.add("must not begin or end with a hyphen");
        }
        return errors;
    }

    static List<Cause> validateSpecUpdate(PodSpec spec, PodSpec old) {
        List<Cause> causes = new ArrayList<>();
        if (spec == null || old == null) {
            return causes;
        }
        // start from the new spec and put back every field the update may change; what still differs was not allowed
        PodSpec munged = new PodSpecBuilder(spec).build();
        copyImages(munged.getContainers(), old.getContainers());
        copyImages(munged.getInitContainers(), old.getInitContainers());
        munged.setActiveDeadlineSeconds(old.getActiveDeadlineSeconds());
        List<Toleration> oldTolerations = old.getTolerations() == null ? List.of() : old.getTolerations();
        List<Toleration> newTolerations = spec.getTolerations() == null ? List.of() : spec.getTolerations();
        if (newTolerations.containsAll(oldTolerations)) {
            munged.setTolerations(old.getTolerations());
        } else {
            causes.add(Cause.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
            munged.setTolerations(old.getTolerations());
        }
        List<PodSchedulingGate> oldGates = old.getSchedulingGates() == null ? List.of() : old.getSchedulingGates();
        List<PodSchedulingGate> newGates = spec.getSchedulingGates() == null ? List.of() : spec.getSchedulingGates();
        for (PodSchedulingGate gate : newGates) {
            if (!oldGates.contains(gate)) {
                causes.add(Cause.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate '"
                        + gate.getName() + "'"));
            }
        }
        munged.setSchedulingGates(old.getSchedulingGates());
        if (old.getTerminationGracePeriodSeconds() != null && old.getTerminationGracePeriodSeconds() < 0
                && Long.valueOf(1).equals(spec.getTerminationGracePeriodSeconds())) {
            munged.setTerminationGracePeriodSeconds(old.getTerminationGracePeriodSeconds());
        }
        if (!Objects.equals(munged, old)) {
            causes.add(Cause.forbidden("spec", IMMUTABLE_SPEC));
        }
        return causes;
    }

    private static void copyImages(List<Container> into, List<Container> from) {
        if (into == null || from == null || into.size() != from.size()) {
            return; // a different number of containers stays a difference
        }
        for (int i = 0; i < into.size(); i++) {
            into.get(i).setImage(from.get(i).getImage());
        }
    }

    /** Part of upstream's ValidatePodStatusUpdate: a valid node name to nominate, valid and distinct pod IPs. */
    static List<Cause> validateStatus(PodStatus status) {
        List<Cause> causes = new ArrayList<>();
        if (status == null) {
            return causes;
        }
        String nominated = status.getNominatedNodeName();
        if (nominated != null && !nominated.isEmpty()) {
            for (String message : NameFormats.isDns1123Subdomain(nominated)) {
                causes.add(Cause.invalid("status.nominatedNodeName", nominated, message));
            }
        }
        Set<String> seen = new HashSet<>();
        var podIps = status.getPodIPs() == null ? List.<io.fabric8.kubernetes.api.model.PodIP>of() : status.getPodIPs();
        for (int i = 0; i < podIps.size(); i++) {
            String ip = podIps.get(i).getIp();
            String at = "status.podIPs[" + i + "].ip";
            if (!IpAddresses.isValid(ip)) {
                causes.add(Cause.invalid(at, ip, "must be a valid IP address"));
            } else if (!seen.add(ip)) {
                causes.add(Cause.duplicate(at, ip));
            }
        }
        return causes;
    }
}
