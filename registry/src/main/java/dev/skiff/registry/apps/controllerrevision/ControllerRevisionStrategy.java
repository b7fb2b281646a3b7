package dev.skiff.registry.apps.controllerrevision;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.apps.Workloads;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** ControllerRevisions as upstream's pkg/registry/apps/controllerrevision: data required and immutable, revision non-negative. */
public final class ControllerRevisionStrategy implements Strategy<ControllerRevision> {
    public static final Resource<ControllerRevision> RESOURCE =
            Resource.of("apps", "controllerrevisions", "ControllerRevision", true, ControllerRevision.class, ControllerRevision::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(ControllerRevision r) {
        List<Cause> causes = new ArrayList<>();
        if (r.getData() == null) {
            causes.add(Cause.required("data", "data is mandatory"));
        }
        causes.addAll(Workloads.nonNegative(r.getRevision(), "revision"));
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(ControllerRevision r, ControllerRevision old) {
        List<Cause> causes = new ArrayList<>(validate(r));
        if (!Objects.equals(r.getData(), old.getData())) {
            causes.add(new Cause("FieldValueInvalid", "data", "Invalid value: \"\": field is immutable"));
        }
        return causes;
    }
}
