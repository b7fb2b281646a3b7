package dev.skiff.registry.discovery.endpointslice;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * EndpointSlices as upstream's pkg/registry/discovery/endpointslice: addressType one of IPv4,
 * IPv6, FQDN and immutable, 1 to 100 addresses per endpoint, at most 1000 endpoints and 100
 * ports, port protocol defaulting to TCP.
 */
public final class EndpointSliceStrategy implements Strategy<EndpointSlice> {
    public static final Resource<EndpointSlice> RESOURCE =
            Resource.of("discovery.k8s.io", "endpointslices", "EndpointSlice", true, EndpointSlice.class, EndpointSlice::new);
    private static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(EndpointSlice slice) {
        setDefaults(slice);
    }

    @Override
    public void prepareForUpdate(EndpointSlice slice, EndpointSlice old) {
        setDefaults(slice);
    }

    private static void setDefaults(EndpointSlice slice) {
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                if (p.getProtocol() == null || p.getProtocol().isEmpty()) {
                    p.setProtocol("TCP");
                }
                if (p.getName() == null) {
                    p.setName("");
                }
            }
        }
    }

    @Override
    public List<Cause> validate(EndpointSlice slice) {
        List<Cause> causes = new ArrayList<>();
        String type = slice.getAddressType() == null ? "" : slice.getAddressType();
        if (type.isEmpty()) {
            causes.add(Cause.required("addressType"));
        } else if (!ADDRESS_TYPES.contains(type)) {
            causes.add(Cause.notSupported("addressType", type, ADDRESS_TYPES));
        }
        List<Endpoint> endpoints = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
        if (endpoints.size() > 1000) {
            causes.add(new Cause("FieldValueTooMany", "endpoints", "Too many: " + endpoints.size() + ": must have at most 1000 items"));
        }
        for (int i = 0; i < endpoints.size(); i++) {
            int n = endpoints.get(i).getAddresses() == null ? 0 : endpoints.get(i).getAddresses().size();
            if (n == 0) {
                causes.add(Cause.required("endpoints[" + i + "].addresses", "must contain at least 1 address"));
            } else if (n > 100) {
                causes.add(new Cause("FieldValueTooMany", "endpoints[" + i + "].addresses", "Too many: " + n + ": must have at most 100 items"));
            }
        }
        int ports = slice.getPorts() == null ? 0 : slice.getPorts().size();
        if (ports > 100) {
            causes.add(new Cause("FieldValueTooMany", "ports", "Too many: " + ports + ": must have at most 100 items"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(EndpointSlice slice, EndpointSlice old) {
        List<Cause> causes = new ArrayList<>(validate(slice));
        if (!Objects.equals(slice.getAddressType(), old.getAddressType())) {
            causes.add(Cause.invalid("addressType", slice.getAddressType() == null ? "" : slice.getAddressType(), "field is immutable"));
        }
        return causes;
    }
}
