package dev.skiff.registry.core.service;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.api.validation.ObjectMetaValidation;
import dev.skiff.registry.core.pod.IpAddresses;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Services as upstream's pkg/registry/core/service strategy, SetDefaults_Service and ValidateService(Update):
 * type ClusterIP, sessionAffinity None, port protocol TCP, targetPort = port, traffic policies Cluster,
 * single-stack IPv4 for services that get a cluster IP; status is only written through services/status.
 * On update the allocated values an update left out are kept and those a type change no longer
 * needs are dropped; {@link ServiceAllocations} hands out and checks cluster IPs and node ports.
 */
public final class ServiceStrategy implements Strategy<Service> {
    public static final Resource<Service> RESOURCE = new Resource<>("", "services", "Service", true, "/registry/services/specs", Service.class, Service::new);
    static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
    private static final List<String> AFFINITIES = List.of("ClientIP", "None");
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    private static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
    private static final List<String> IP_FAMILY_POLICIES = List.of("PreferDualStack", "RequireDualStack", "SingleStack");
    private static final Pattern PORT_NAME_CHARS = Pattern.compile("^[-a-z0-9]+$");
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Service service) {
        service.setStatus(new ServiceStatus(List.of(), new LoadBalancerStatus()));
        setDefaults(service);
    }

    @Override
    public void prepareForUpdate(Service service, Service old) {
        service.setStatus(old.getStatus());
        if (service.getSpec() == null) {
            service.setSpec(new ServiceSpec());
        }
        patchAllocatedValues(service.getSpec(), old.getSpec());
        dropTypeDependentFields(service.getSpec(), old.getSpec());
        setDefaults(service);
    }

    private static boolean needsClusterIp(ServiceSpec spec) {
        return !"ExternalName".equals(spec.getType());
    }

    private static boolean needsNodePorts(ServiceSpec spec) {
        return "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
    }

    private static boolean needsHealthCheckNodePort(ServiceSpec spec) {
        return "LoadBalancer".equals(spec.getType()) && "Local".equals(spec.getExternalTrafficPolicy());
    }

    /**
     * Upstream's patchAllocatedValues: an update that leaves out the cluster IP, a port's node port
     * (matched by port name) or the health check node port keeps the allocated one, so a PUT of a
     * manifest without them does not try to change them.
     */
    static void patchAllocatedValues(ServiceSpec spec, ServiceSpec old) {
        if (needsClusterIp(old) && needsClusterIp(spec)) {
            if ((spec.getClusterIP() == null || spec.getClusterIP().isEmpty()) && old.getClusterIP() != null) {
                spec.setClusterIP(old.getClusterIP());
            }
            if ((spec.getClusterIPs() == null || spec.getClusterIPs().isEmpty()) && old.getClusterIPs() != null && !old.getClusterIPs().isEmpty()) {
                spec.setClusterIPs(new ArrayList<>(old.getClusterIPs()));
            }
        }
        if (needsNodePorts(old) && needsNodePorts(spec)) {
            Set<Integer> used = ServiceAllocations.heldNodePorts(spec);
            Map<String, Integer> byName = new java.util.HashMap<>();
            for (ServicePort port : ports(old)) {
                byName.put(port.getName() == null ? "" : port.getName(), port.getNodePort());
            }
            for (ServicePort port : ports(spec)) {
                Integer previous = byName.get(port.getName() == null ? "" : port.getName());
                if ((port.getNodePort() == null || port.getNodePort() == 0) && previous != null && previous != 0 && !used.contains(previous)) {
                    port.setNodePort(previous);
                }
            }
        }
        if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec)
                && (spec.getHealthCheckNodePort() == null || spec.getHealthCheckNodePort() == 0)) {
            spec.setHealthCheckNodePort(old.getHealthCheckNodePort());
        }
    }

    /**
     * Upstream's dropTypeDependentFields: after a type change, fields the new type may not have are
     * cleared when the update kept them as they were (a patch of only {@code type}), so
     * NodePort -> ClusterIP gives back the node ports and ClusterIP -> ExternalName the cluster IP.
     */
    static void dropTypeDependentFields(ServiceSpec spec, ServiceSpec old) {
        if (needsClusterIp(old) && !needsClusterIp(spec)) {
            if (Objects.equals(spec.getClusterIP(), old.getClusterIP()) && Objects.equals(spec.getClusterIPs(), old.getClusterIPs())) {
                spec.setClusterIP(null);
                spec.setClusterIPs(new ArrayList<>());
            }
            if (Objects.equals(spec.getIpFamilies(), old.getIpFamilies())) {
                spec.setIpFamilies(new ArrayList<>());
            }
            if (Objects.equals(spec.getIpFamilyPolicy(), old.getIpFamilyPolicy())) {
                spec.setIpFamilyPolicy(null);
            }
        }
        if (needsNodePorts(old) && !needsNodePorts(spec)
                && ports(spec).stream().map(ServicePort::getNodePort).toList().equals(ports(old).stream().map(ServicePort::getNodePort).toList())) {
            ports(spec).forEach(port -> port.setNodePort(null));
        }
        if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(spec)
                && Objects.equals(spec.getHealthCheckNodePort(), old.getHealthCheckNodePort())) {
            spec.setHealthCheckNodePort(null);
        }
        if ("LoadBalancer".equals(old.getType()) && !"LoadBalancer".equals(spec.getType())
                && Objects.equals(spec.getAllocateLoadBalancerNodePorts(), old.getAllocateLoadBalancerNodePorts())) {
            spec.setAllocateLoadBalancerNodePorts(null);
        }
        if (needsNodePorts(old) && !needsNodePorts(spec) && Objects.equals(spec.getExternalTrafficPolicy(), old.getExternalTrafficPolicy())) {
            spec.setExternalTrafficPolicy(null);
        }
    }

    /** SetDefaults_Service, plus the single-stack family the IP allocator records for IPv4-only clusters. */
    static void setDefaults(Service service) {
        if (service.getSpec() == null) {
            service.setSpec(new ServiceSpec());
        }
        ServiceSpec spec = service.getSpec();
        if (spec.getType() == null || spec.getType().isEmpty()) {
            spec.setType("ClusterIP");
        }
        if (spec.getSessionAffinity() == null || spec.getSessionAffinity().isEmpty()) {
            spec.setSessionAffinity("None");
        }
        for (ServicePort port : ports(spec)) {
            if (port.getProtocol() == null || port.getProtocol().isEmpty()) {
                port.setProtocol("TCP");
            }
            IntOrString target = port.getTargetPort();
            if (target == null || (target.getIntVal() == null && (target.getStrVal() == null || target.getStrVal().isEmpty()))
                    || Integer.valueOf(0).equals(target.getIntVal())) {
                port.setTargetPort(new IntOrString(port.getPort()));
            }
        }
        String type = spec.getType();
        if (!"ExternalName".equals(type)) {
            if (spec.getInternalTrafficPolicy() == null || spec.getInternalTrafficPolicy().isEmpty()) {
                spec.setInternalTrafficPolicy("Cluster");
            }
            if ((spec.getClusterIPs() == null || spec.getClusterIPs().isEmpty()) && spec.getClusterIP() != null && !spec.getClusterIP().isEmpty()) {
                spec.setClusterIPs(new ArrayList<>(List.of(spec.getClusterIP())));
            }
            if (spec.getIpFamilyPolicy() == null || spec.getIpFamilyPolicy().isEmpty()) {
                spec.setIpFamilyPolicy("SingleStack");
            }
            if (spec.getIpFamilies() == null || spec.getIpFamilies().isEmpty()) {
                spec.setIpFamilies(new ArrayList<>(List.of("IPv4")));
            }
        }
        if (("NodePort".equals(type) || "LoadBalancer".equals(type))
                && (spec.getExternalTrafficPolicy() == null || spec.getExternalTrafficPolicy().isEmpty())) {
            spec.setExternalTrafficPolicy("Cluster");
        }
        if ("LoadBalancer".equals(type) && spec.getAllocateLoadBalancerNodePorts() == null) {
            spec.setAllocateLoadBalancerNodePorts(true);
        }
    }

    @Override
    public List<Cause> validate(Service service) {
        List<Cause> causes = new ArrayList<>();
        ServiceSpec spec = service.getSpec();
        String type = spec.getType();
        if (!TYPES.contains(type)) {
            causes.add(Cause.notSupported("spec.type", type, TYPES));
        }
        boolean headless = "None".equals(spec.getClusterIP());
        List<ServicePort> ports = ports(spec);
        if (ports.isEmpty() && !headless && !"ExternalName".equals(type)) {
            causes.add(Cause.required("spec.ports"));
        }
        if ("ExternalName".equals(type)) {
            if (spec.getClusterIP() != null && !spec.getClusterIP().isEmpty()) {
                causes.add(Cause.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
            }
            String externalName = spec.getExternalName();
            if (externalName == null || externalName.isEmpty()) {
                causes.add(Cause.required("spec.externalName"));
            } else {
                for (String message : NameFormats.isDns1123Subdomain(externalName.endsWith(".")
                        ? externalName.substring(0, externalName.length() - 1) : externalName)) {
                    causes.add(Cause.invalid("spec.externalName", externalName, message));
                }
            }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            causes.addAll(validatePort(ports.get(i), ports.size() > 1, names, "spec.ports[" + i + "]"));
            Integer nodePort = ports.get(i).getNodePort();
            if ("ClusterIP".equals(type) && nodePort != null && nodePort != 0) {
                causes.add(Cause.forbidden("spec.ports[" + i + "].nodePort", "may not be used when `type` is 'ClusterIP'"));
            }
        }
        if (!AFFINITIES.contains(spec.getSessionAffinity())) {
            causes.add(Cause.notSupported("spec.sessionAffinity", spec.getSessionAffinity(), AFFINITIES));
        }
        causes.addAll(ObjectMetaValidation.validateLabels(spec.getSelector(), "spec.selector"));
        if (spec.getInternalTrafficPolicy() != null && !TRAFFIC_POLICIES.contains(spec.getInternalTrafficPolicy())) {
            causes.add(Cause.notSupported("spec.internalTrafficPolicy", spec.getInternalTrafficPolicy(), TRAFFIC_POLICIES));
        }
        if (spec.getExternalTrafficPolicy() != null && !spec.getExternalTrafficPolicy().isEmpty()) {
            if (!"NodePort".equals(type) && !"LoadBalancer".equals(type)) {
                causes.add(Cause.invalid("spec.externalTrafficPolicy", spec.getExternalTrafficPolicy(),
                        "may only be set for externally-accessible services"));
            } else if (!TRAFFIC_POLICIES.contains(spec.getExternalTrafficPolicy())) {
                causes.add(Cause.notSupported("spec.externalTrafficPolicy", spec.getExternalTrafficPolicy(), TRAFFIC_POLICIES));
            }
        }
        if (spec.getIpFamilyPolicy() != null && !IP_FAMILY_POLICIES.contains(spec.getIpFamilyPolicy())) {
            causes.add(Cause.notSupported("spec.ipFamilyPolicy", spec.getIpFamilyPolicy(), IP_FAMILY_POLICIES));
        }
        List<String> clusterIps = spec.getClusterIPs() == null ? List.of() : spec.getClusterIPs();
        for (int i = 0; i < clusterIps.size(); i++) {
            String ip = clusterIps.get(i);
            if (!(i == 0 && "None".equals(ip)) && !IpAddresses.isValid(ip)) {
                causes.add(Cause.invalid("spec.clusterIPs[" + i + "]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
            }
        }
        if (!clusterIps.isEmpty() && spec.getClusterIP() != null && !spec.getClusterIP().isEmpty()
                && !clusterIps.get(0).equals(spec.getClusterIP())) {
            causes.add(Cause.invalid("spec.clusterIPs", goStrings(clusterIps),
                    "first value must match `clusterIP`"));
        }
        return causes;
    }

    private static List<Cause> validatePort(ServicePort port, boolean requireName, Set<String> names, String at) {
        List<Cause> causes = new ArrayList<>();
        String name = port.getName();
        if (requireName && (name == null || name.isEmpty())) {
            causes.add(Cause.required(at + ".name"));
        } else if (name != null && !name.isEmpty()) {
            for (String message : NameFormats.isDns1123Label(name)) {
                causes.add(Cause.invalid(at + ".name", name, message));
            }
            if (!names.add(name)) {
                causes.add(Cause.duplicate(at + ".name", name));
            }
        }
        Integer number = port.getPort();
        if (number == null || number < 1 || number > 65535) {
            causes.add(Cause.invalid(at + ".port", number == null ? 0 : number, "must be between 1 and 65535, inclusive"));
        }
        if (port.getProtocol() == null || port.getProtocol().isEmpty()) {
            causes.add(Cause.required(at + ".protocol"));
        } else if (!PROTOCOLS.contains(port.getProtocol())) {
            causes.add(Cause.notSupported(at + ".protocol", port.getProtocol(), PROTOCOLS));
        }
        IntOrString target = port.getTargetPort();
        if (target != null && target.getIntVal() != null) {
            if (target.getIntVal() < 1 || target.getIntVal() > 65535) {
                causes.add(Cause.invalid(at + ".targetPort", target.getIntVal(), "must be between 1 and 65535, inclusive"));
            }
        } else if (target != null && target.getStrVal() != null) {
            for (String message : portNameErrors(target.getStrVal())) {
                causes.add(Cause.invalid(at + ".targetPort", target.getStrVal(), message));
            }
        }
        Integer nodePort = port.getNodePort();
        if (nodePort != null && nodePort != 0 && (nodePort < 1 || nodePort > 65535)) {
            causes.add(Cause.invalid(at + ".nodePort", nodePort, "must be between 1 and 65535, inclusive"));
        }
        return causes;
    }

    /** apimachinery's IsValidPortName (an IANA_SVC_NAME). */
    static List<String> portNameErrors(String name) {
        List<String> errors = new ArrayList<>();
        if (name.length() < 1 || name.length() > 15) {
            errors.add("must be no more than 15 characters");
        }
        if (!PORT_NAME_CHARS.matcher(name).matches()) {
            errors.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (name.contains("--")) {
            errors.add("must not contain consecutive hyphens");
        }
        if (!name.isEmpty() && (name.startsWith("-") || name.endsWith("-"))) {
            errors.add("must not begin or end with a hyphen");
        }
        if (!HAS_LETTER.matcher(name).matches()) {
            errors.add("must contain at least one letter (a-z)");
        }
        return errors;
    }

    @Override
    public List<Cause> validateUpdate(Service service, Service old) {
        List<Cause> causes = new ArrayList<>(validate(service));
        ServiceSpec spec = service.getSpec();
        ServiceSpec oldSpec = old.getSpec();
        List<String> oldIps = oldSpec.getClusterIPs() == null ? List.of() : oldSpec.getClusterIPs();
        List<String> newIps = spec.getClusterIPs() == null ? List.of() : spec.getClusterIPs();
        // ExternalName services hold no cluster IP, so moving to or from them is how the IP changes (upstream's needsClusterIP).
        if (!"ExternalName".equals(oldSpec.getType()) && !"ExternalName".equals(spec.getType())
                && !oldIps.isEmpty() && !newIps.isEmpty() && !Objects.equals(oldIps.get(0), newIps.get(0))) {
            causes.add(new Cause("FieldValueInvalid", "spec.clusterIPs[0]",
                    "Invalid value: " + goStrings(newIps) + ": may not change once set"));
        }
        return causes;
    }

    @Override
    public Map<String, Strategy<Service>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (service, old) -> {
            service.setSpec(old.getSpec());
        }));
    }

    private static List<ServicePort> ports(ServiceSpec spec) {
        return spec.getPorts() == null ? List.of() : spec.getPorts();
    }

    /** Go's %#v of a []string, as upstream prints clusterIPs in its messages. */
    static String goStrings(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(dev.skiff.api.errors.ApiException::goQuote).toList()) + "}";
    }
}
