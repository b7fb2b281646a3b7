package dev.skiff.registry.core.persistentvolume;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.StatusStrategy;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PersistentVolumes as upstream's pkg/registry/core/persistentvolume strategy,
 * SetDefaults_PersistentVolume and ValidatePersistentVolume(Update): reclaim policy Retain and
 * volume mode Filesystem by default; a new volume's status is phase Pending with
 * lastPhaseTransitionTime now (the PV controller moves it on); the status is written only through
 * persistentvolumes/status, which stamps a new transition time when the phase changes. The
 * volume source and volume mode are immutable. Cluster-scoped, no generation (upstream keeps none).
 */
public final class PersistentVolumeStrategy implements Strategy<PersistentVolume> {
    public static final Resource<PersistentVolume> RESOURCE =
            Resource.of("", "persistentvolumes", "PersistentVolume", false, PersistentVolume.class, PersistentVolume::new);
    private static final String IMMUTABLE = "field is immutable";
    private final Clock clock;

    public PersistentVolumeStrategy(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(PersistentVolume pv) {
        setDefaults(pv);
        // the VolumeAttributesClass gate is off in v1.33: the field is dropped
        pv.getSpec().setVolumeAttributesClassName(null);
        PersistentVolumeStatus status = new PersistentVolumeStatus();
        status.setPhase("Pending");
        status.setLastPhaseTransitionTime(now());
        pv.setStatus(status);
    }

    @Override
    public void prepareForUpdate(PersistentVolume pv, PersistentVolume old) {
        setDefaults(pv);
        if (old.getSpec().getVolumeAttributesClassName() == null) {
            pv.getSpec().setVolumeAttributesClassName(null);
        }
        pv.setStatus(old.getStatus());
    }

    private static void setDefaults(PersistentVolume pv) {
        if (pv.getSpec() == null) {
            pv.setSpec(new PersistentVolumeSpec());
        }
        PersistentVolumeSpec spec = pv.getSpec();
        if (spec.getPersistentVolumeReclaimPolicy() == null || spec.getPersistentVolumeReclaimPolicy().isEmpty()) {
            spec.setPersistentVolumeReclaimPolicy("Retain");
        }
        if (spec.getVolumeMode() == null) {
            spec.setVolumeMode("Filesystem");
        }
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    @Override
    public List<Cause> validate(PersistentVolume pv) {
        return PersistentVolumeValidation.validateSpec(pv.getSpec(), false, "spec");
    }

    @Override
    public List<Cause> validateUpdate(PersistentVolume pv, PersistentVolume old) {
        List<Cause> causes = new ArrayList<>(validate(pv));
        PersistentVolumeSpec spec = pv.getSpec();
        PersistentVolumeSpec oldSpec = old.getSpec();
        if (!Objects.equals(PersistentVolumeValidation.volumeSource(withoutNewExpandSecret(spec, oldSpec)),
                PersistentVolumeValidation.volumeSource(oldSpec))) {
            causes.add(Cause.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
        }
        if (!Objects.equals(spec.getVolumeMode(), oldSpec.getVolumeMode())) {
            causes.add(Cause.invalid("volumeMode", spec.getVolumeMode(), IMMUTABLE));
        }
        if (oldSpec.getNodeAffinity() != null && !Objects.equals(spec.getNodeAffinity(), oldSpec.getNodeAffinity())) {
            causes.add(new Cause("FieldValueInvalid", "nodeAffinity", "Invalid value: &core.VolumeNodeAffinity{...}: " + IMMUTABLE));
        }
        if (oldSpec.getVolumeAttributesClassName() != null && spec.getVolumeAttributesClassName() == null) {
            causes.add(Cause.forbidden("spec.volumeAttributesClassName", "update from non-nil value to nil is forbidden"));
        }
        return causes;
    }

    /** Upstream lets a CSI volume gain a controllerExpandSecretRef it did not have. */
    private static PersistentVolumeSpec withoutNewExpandSecret(PersistentVolumeSpec spec, PersistentVolumeSpec old) {
        CSIPersistentVolumeSource csi = spec.getCsi();
        if (csi == null || old.getCsi() == null || old.getCsi().getControllerExpandSecretRef() != null
                || csi.getControllerExpandSecretRef() == null) {
            return spec;
        }
        PersistentVolumeSpec copy = new io.fabric8.kubernetes.api.model.PersistentVolumeSpecBuilder(spec).build();
        copy.setCsi(new CSIPersistentVolumeSourceBuilder(csi).withControllerExpandSecretRef(null).build());
        return copy;
    }

    /** ValidatePersistentVolumeStatusUpdate checks metadata only; the generic registry does that. */
    @Override
    public List<Cause> validateStatusUpdate(PersistentVolume pv, PersistentVolume old) {
        return List.of();
    }

    @Override
    public Map<String, Strategy<PersistentVolume>> subresourceStrategies() {
        return Map.of("status", new StatusStrategy<>(this, (pv, old) -> {
            pv.setSpec(old.getSpec());
            PersistentVolumeStatus status = pv.getStatus() == null ? new PersistentVolumeStatus() : pv.getStatus();
            pv.setStatus(status);
            PersistentVolumeStatus oldStatus = old.getStatus() == null ? new PersistentVolumeStatus() : old.getStatus();
            if (status.getPhase() == null || status.getPhase().isEmpty()) {
                status.setPhase("Pending");
            }
            boolean phaseChanged = !Objects.equals(status.getPhase(), oldStatus.getPhase());
            if (!phaseChanged && status.getLastPhaseTransitionTime() == null) {
                status.setLastPhaseTransitionTime(oldStatus.getLastPhaseTransitionTime());
            } else if (phaseChanged && (status.getLastPhaseTransitionTime() == null
                    || sameInstant(status.getLastPhaseTransitionTime(), oldStatus.getLastPhaseTransitionTime()))) {
                status.setLastPhaseTransitionTime(now());
            }
        }));
    }

    private static boolean sameInstant(String a, String b) {
        return a != null && b != null && Instant.parse(a).equals(Instant.parse(b));
    }
}
