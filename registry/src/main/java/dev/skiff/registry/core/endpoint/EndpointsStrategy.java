package dev.skiff.registry.core.endpoint;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.core.pod.IpAddresses;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.util.ArrayList;
import java.util.List;

/**
 * Endpoints as upstream's pkg/registry/core/endpoint strategy and ValidateEndpoints: each subset has
 * addresses or notReadyAddresses, each address a valid, non-special IP, each port a number, a known
 * protocol (defaulted to TCP) and a DNS-1123 name, required when the subset has more than one port.
 */
public final class EndpointsStrategy implements Strategy<Endpoints> {
    public static final Resource<Endpoints> RESOURCE =
            new Resource<>("", "endpoints", "Endpoints", true, "/registry/services/endpoints", Endpoints.class, Endpoints::new);
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(Endpoints endpoints) {
        setDefaults(endpoints);
    }

    @Override
    public void prepareForUpdate(Endpoints endpoints, Endpoints old) {
        setDefaults(endpoints);
    }

    /** SetDefaults_EndpointPort: protocol TCP. */
    private static void setDefaults(Endpoints endpoints) {
        for (EndpointSubset subset : subsets(endpoints)) {
            for (EndpointPort port : orEmpty(subset.getPorts())) {
                if (port.getProtocol() == null || port.getProtocol().isEmpty()) {
                    port.setProtocol("TCP");
                }
            }
        }
    }

    @Override
    public List<Cause> validate(Endpoints endpoints) {
        List<Cause> causes = new ArrayList<>();
        List<EndpointSubset> subsets = subsets(endpoints);
        for (int i = 0; i < subsets.size(); i++) {
            EndpointSubset subset = subsets.get(i);
            String at = "subsets[" + i + "]";
            List<EndpointAddress> ready = orEmpty(subset.getAddresses());
            List<EndpointAddress> notReady = orEmpty(subset.getNotReadyAddresses());
            if (ready.isEmpty() && notReady.isEmpty()) {
                causes.add(Cause.required(at, "must specify `addresses` or `notReadyAddresses`"));
            }
            for (int j = 0; j < ready.size(); j++) {
                causes.addAll(validateAddress(ready.get(j), at + ".addresses[" + j + "]"));
            }
            for (int j = 0; j < notReady.size(); j++) {
                causes.addAll(validateAddress(notReady.get(j), at + ".notReadyAddresses[" + j + "]"));
            }
            List<EndpointPort> ports = orEmpty(subset.getPorts());
            for (int j = 0; j < ports.size(); j++) {
                causes.addAll(validatePort(ports.get(j), ports.size() > 1, at + ".ports[" + j + "]"));
            }
        }
        return causes;
    }

    private static List<Cause> validateAddress(EndpointAddress address, String at) {
        List<Cause> causes = new ArrayList<>();
        String ip = address.getIp();
        if (!IpAddresses.isValid(ip)) {
            causes.add(Cause.invalid(at + ".ip", ip == null ? "" : ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        } else if (ip.equals("0.0.0.0") || ip.equals("::")) {
            causes.add(Cause.invalid(at + ".ip", ip, "may not be unspecified (0.0.0.0)"));
        } else if (ip.startsWith("127.") || ip.equals("::1")) {
            causes.add(Cause.invalid(at + ".ip", ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
        } else if (ip.startsWith("169.254.")) {
            causes.add(Cause.invalid(at + ".ip", ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
        }
        if (address.getHostname() != null && !address.getHostname().isEmpty()) {
            for (String message : NameFormats.isDns1123Label(address.getHostname())) {
                causes.add(Cause.invalid(at + ".hostname", address.getHostname(), message));
            }
        }
        if (address.getNodeName() != null && !address.getNodeName().isEmpty()) {
            for (String message : NameFormats.isDns1123Subdomain(address.getNodeName())) {
                causes.add(Cause.invalid(at + ".nodeName", address.getNodeName(), message));
            }
        }
        return causes;
    }

    private static List<Cause> validatePort(EndpointPort port, boolean requireName, String at) {
        List<Cause> causes = new ArrayList<>();
        String name = port.getName();
        if (requireName && (name == null || name.isEmpty())) {
            causes.add(Cause.required(at + ".name"));
        } else if (name != null && !name.isEmpty()) {
            for (String message : NameFormats.isDns1123Label(name)) {
                causes.add(Cause.invalid(at + ".name", name, message));
            }
        }
        Integer number = port.getPort();
        if (number == null || number < 1 || number > 65535) {
            causes.add(Cause.invalid(at + ".port", number == null ? 0 : number, "must be between 1 and 65535, inclusive"));
        }
        if (!PROTOCOLS.contains(port.getProtocol())) {
            causes.add(Cause.notSupported(at + ".protocol", port.getProtocol(), PROTOCOLS));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Endpoints endpoints, Endpoints old) {
        return validate(endpoints);
    }

    private static List<EndpointSubset> subsets(Endpoints endpoints) {
        return orEmpty(endpoints.getSubsets());
    }

    private static <E> List<E> orEmpty(List<E> list) {
        return list == null ? List.of() : list;
    }
}
