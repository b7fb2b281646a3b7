package dev.skiff.registry.storage.storageclass;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.api.validation.NameFormats;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * StorageClasses as upstream's pkg/registry/storage/storageclass: reclaimPolicy Delete and
 * volumeBindingMode Immediate by default; provisioner required, a qualified name; parameters,
 * provisioner, reclaimPolicy and volumeBindingMode immutable.
 */
public final class StorageClassStrategy implements Strategy<StorageClass> {
    public static final Resource<StorageClass> RESOURCE =
            Resource.of("storage.k8s.io", "storageclasses", "StorageClass", false, StorageClass.class, StorageClass::new);
    private static final int MAX_PROVISIONER_LENGTH = 63;

    @Override
    public boolean namespaced() {
        return false;
    }

    @Override
    public void prepareForCreate(StorageClass sc) {
        setDefaults(sc);
    }

    @Override
    public void prepareForUpdate(StorageClass sc, StorageClass old) {
        setDefaults(sc);
    }

    private static void setDefaults(StorageClass sc) {
        if (sc.getReclaimPolicy() == null || sc.getReclaimPolicy().isEmpty()) {
            sc.setReclaimPolicy("Delete");
        }
        if (sc.getVolumeBindingMode() == null || sc.getVolumeBindingMode().isEmpty()) {
            sc.setVolumeBindingMode("Immediate");
        }
    }

    @Override
    public List<Cause> validate(StorageClass sc) {
        List<Cause> causes = new ArrayList<>();
        String provisioner = sc.getProvisioner() == null ? "" : sc.getProvisioner();
        if (provisioner.isEmpty()) {
            causes.add(Cause.required("provisioner"));
        } else {
            if (provisioner.length() > MAX_PROVISIONER_LENGTH) {
                causes.add(new Cause("FieldValueTooLong", "provisioner", "Too long: may not be more than " + MAX_PROVISIONER_LENGTH + " bytes"));
            }
            for (String msg : NameFormats.isQualifiedName(provisioner.toLowerCase(java.util.Locale.ROOT))) {
                causes.add(Cause.invalid("provisioner", provisioner, msg));
            }
        }
        if (!List.of("Delete", "Retain").contains(sc.getReclaimPolicy())) {
            causes.add(Cause.notSupported("reclaimPolicy", sc.getReclaimPolicy(), List.of("Delete", "Retain")));
        }
        if (!List.of("Immediate", "WaitForFirstConsumer").contains(sc.getVolumeBindingMode())) {
            causes.add(Cause.notSupported("volumeBindingMode", sc.getVolumeBindingMode(), List.of("Immediate", "WaitForFirstConsumer")));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(StorageClass sc, StorageClass old) {
        List<Cause> causes = new ArrayList<>(validate(sc));
        if (!Objects.equals(orEmpty(sc.getParameters()), orEmpty(old.getParameters()))) {
            causes.add(Cause.forbidden("parameters", "updates to parameters are forbidden."));
        }
        if (!Objects.equals(sc.getProvisioner(), old.getProvisioner())) {
            causes.add(Cause.forbidden("provisioner", "updates to provisioner are forbidden."));
        }
        if (!Objects.equals(sc.getReclaimPolicy(), old.getReclaimPolicy())) {
            causes.add(Cause.invalid("reclaimPolicy", sc.getReclaimPolicy(), "field is immutable"));
        }
        if (!Objects.equals(sc.getVolumeBindingMode(), old.getVolumeBindingMode())) {
            causes.add(Cause.invalid("volumeBindingMode", sc.getVolumeBindingMode(), "field is immutable"));
        }
        return causes;
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
