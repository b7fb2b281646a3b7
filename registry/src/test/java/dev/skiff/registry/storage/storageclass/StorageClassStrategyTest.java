package dev.skiff.registry.storage.storageclass;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageClassStrategyTest {
    private final StorageClassStrategy strategy = new StorageClassStrategy();

    @Test
    void defaultsAndRequiredProvisioner() {
        StorageClass sc = new StorageClassBuilder().withNewMetadata().withName("fast").endMetadata().build();
        strategy.prepareForCreate(sc);
        assertThat(sc.getReclaimPolicy()).isEqualTo("Delete");
        assertThat(sc.getVolumeBindingMode()).isEqualTo("Immediate");
        assertThat(strategy.validate(sc)).extracting(c -> c.field() + ": " + c.message()).containsExactly("provisioner: Required value");
    }

    @Test
    void parametersProvisionerAndPoliciesAreImmutable() {
        StorageClass old = new StorageClassBuilder().withNewMetadata().withName("fast").endMetadata().withProvisioner("example.com/disk")
                .withParameters(Map.of("type", "ssd")).build();
        strategy.prepareForCreate(old);
        StorageClass changed = new StorageClassBuilder(old).withProvisioner("example.com/other").withParameters(Map.of("type", "hdd"))
                .withReclaimPolicy("Retain").build();
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "parameters: Forbidden: updates to parameters are forbidden.",
                "provisioner: Forbidden: updates to provisioner are forbidden.",
                "reclaimPolicy: Invalid value: \"Retain\": field is immutable");
    }
}
