package dev.skiff.registry.networking.ingressclass;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** IngressClasses as upstream's pkg/registry/networking/ingressclass: a controller (at most 250 characters) that never changes. */
public final class IngressClassStrategy implements Strategy<IngressClass> {
    public static final Resource<IngressClass> RESOURCE =
            Resource.of("networking.k8s.io", "ingressclasses", "IngressClass", false, IngressClass.class, IngressClass::new);
    private static final int MAX_CONTROLLER_LENGTH = 250;

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public List<Cause> validate(IngressClass ic) {
        IngressClassSpec spec = ic.getSpec() == null ? new IngressClassSpec() : ic.getSpec();
        List<Cause> causes = new ArrayList<>();
        String controller = spec.getController() == null ? "" : spec.getController();
        if (controller.isEmpty()) {
            causes.add(Cause.required("spec.controller"));
        } else if (controller.length() > MAX_CONTROLLER_LENGTH) {
            causes.add(new Cause("FieldValueTooLong", "spec.controller", "Too long: may not be more than " + MAX_CONTROLLER_LENGTH + " bytes"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(IngressClass ic, IngressClass old) {
        List<Cause> causes = new ArrayList<>(validate(ic));
        String controller = ic.getSpec() == null ? null : ic.getSpec().getController();
        String oldController = old.getSpec() == null ? null : old.getSpec().getController();
        if (!Objects.equals(controller, oldController)) {
            causes.add(Cause.invalid("spec.controller", controller == null ? "" : controller, "field is immutable"));
        }
        return causes;
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(IngressClass ic) {
        return ic.getSpec();
    }
}
