package dev.skiff.registry.storage.csidriver;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.CSIDriverSpec;
import io.fabric8.kubernetes.api.model.storage.TokenRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * CSIDrivers as upstream's pkg/registry/storage/csidriver strategy, SetDefaults_CSIDriver and
 * ValidateCSIDriver(Update) with v1.33's default gates: attachRequired true, podInfoOnMount,
 * storageCapacity, requiresRepublish and seLinuxMount false, fsGroupPolicy
 * ReadWriteOnceWithFSType, volumeLifecycleModes [Persistent]; attachRequired and
 * volumeLifecycleModes are immutable. Fields newer than v1.33 or behind a gate that is off are dropped.
 */
public final class CSIDriverStrategy implements Strategy<CSIDriver> {
    public static final Resource<CSIDriver> RESOURCE =
            Resource.of("storage.k8s.io", "csidrivers", "CSIDriver", false, CSIDriver.class, CSIDriver::new);
    private static final List<String> FS_GROUP_POLICIES = List.of("File", "None", "ReadWriteOnceWithFSType");
    private static final List<String> LIFECYCLE_MODES = List.of("Persistent", "Ephemeral");
    private static final long MIN_TOKEN_SECONDS = 600;
    private static final long MAX_TOKEN_SECONDS = 1L << 32;

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(CSIDriver driver) {
        setDefaults(driver);
    }

    @Override
    public void prepareForUpdate(CSIDriver driver, CSIDriver old) {
        setDefaults(driver);
    }

    private static void setDefaults(CSIDriver driver) {
        if (driver.getSpec() == null) {
            driver.setSpec(new CSIDriverSpec());
        }
        CSIDriverSpec spec = driver.getSpec();
        if (spec.getAttachRequired() == null) {
            spec.setAttachRequired(true);
        }
        if (spec.getPodInfoOnMount() == null) {
            spec.setPodInfoOnMount(false);
        }
        if (spec.getStorageCapacity() == null) {
            spec.setStorageCapacity(false);
        }
        if (spec.getFsGroupPolicy() == null) {
            spec.setFsGroupPolicy("ReadWriteOnceWithFSType");
        }
        if (spec.getVolumeLifecycleModes() == null || spec.getVolumeLifecycleModes().isEmpty()) {
            spec.setVolumeLifecycleModes(new ArrayList<>(List.of("Persistent")));
        }
        if (spec.getRequiresRepublish() == null) {
            spec.setRequiresRepublish(false);
        }
        if (spec.getSeLinuxMount() == null) {
            spec.setSeLinuxMount(false);
        }
        spec.setNodeAllocatableUpdatePeriodSeconds(null);
        spec.setServiceAccountTokenInSecrets(null);
        spec.setPreventPodSchedulingIfMissing(null);
    }

    @Override
    public List<Cause> validate(CSIDriver driver) {
        CSIDriverSpec spec = driver.getSpec();
        List<Cause> causes = new ArrayList<>();
        // upstream's path for attachRequired is spelled "attachedRequired"
        if (spec.getAttachRequired() == null) {
            causes.add(Cause.required("spec.attachedRequired"));
        }
        if (spec.getPodInfoOnMount() == null) {
            causes.add(Cause.required("spec.podInfoOnMount"));
        }
        if (spec.getStorageCapacity() == null) {
            causes.add(Cause.required("spec.storageCapacity"));
        }
        if (spec.getFsGroupPolicy() != null && !FS_GROUP_POLICIES.contains(spec.getFsGroupPolicy())) {
            causes.add(Cause.notSupported("spec.fsGroupPolicy", spec.getFsGroupPolicy(), FS_GROUP_POLICIES));
        }
        Set<String> audiences = new HashSet<>();
        List<TokenRequest> tokens = spec.getTokenRequests() == null ? List.of() : spec.getTokenRequests();
        for (int i = 0; i < tokens.size(); i++) {
            String path = "spec.tokenRequests[" + i + "]";
            String audience = tokens.get(i).getAudience() == null ? "" : tokens.get(i).getAudience();
            if (!audiences.add(audience)) {
                causes.add(Cause.duplicate(path + ".audience", audience));
                continue;
            }
            Long seconds = tokens.get(i).getExpirationSeconds();
            if (seconds != null && seconds < MIN_TOKEN_SECONDS) {
                causes.add(Cause.invalid(path + ".expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
            }
            if (seconds != null && seconds > MAX_TOKEN_SECONDS) {
                causes.add(Cause.invalid(path + ".expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
            }
        }
        for (String mode : spec.getVolumeLifecycleModes() == null ? List.<String>of() : spec.getVolumeLifecycleModes()) {
            if (!LIFECYCLE_MODES.contains(mode)) {
                causes.add(Cause.notSupported("spec.volumeLifecycleModes", mode, LIFECYCLE_MODES));
            }
        }
        if (spec.getSeLinuxMount() == null) {
            causes.add(Cause.required("spec.seLinuxMount"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(CSIDriver driver, CSIDriver old) {
        List<Cause> causes = new ArrayList<>(validate(driver));
        if (!Objects.equals(driver.getSpec().getAttachRequired(), old.getSpec().getAttachRequired())) {
            causes.add(Cause.invalid("spec.attachedRequired", driver.getSpec().getAttachRequired(), "field is immutable"));
        }
        if (!Objects.equals(driver.getSpec().getVolumeLifecycleModes(), old.getSpec().getVolumeLifecycleModes())) {
            List<String> modes = driver.getSpec().getVolumeLifecycleModes();
            causes.add(new Cause("FieldValueInvalid", "spec.volumeLifecycleModes", "Invalid value: []storage.VolumeLifecycleMode{"
                    + String.join(", ", modes.stream().map(ApiException::goQuote).toList()) + "}: field is immutable"));
        }
        return causes;
    }
}
