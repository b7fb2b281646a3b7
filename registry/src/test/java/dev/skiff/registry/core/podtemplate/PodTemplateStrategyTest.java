package dev.skiff.registry.core.podtemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodTemplateStrategyTest {

    @Test
    void templatesAreDefaultedValidatedAndTrackGeneration(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var templates = new GenericRegistry<>(store, PodTemplateStrategy.RESOURCE, new PodTemplateStrategy(), Clock.systemUTC(),
                    new SplittableRandom(11));
            PodTemplate created = templates.create("default", new PodTemplateBuilder().withNewMetadata().withName("t").endMetadata()
                    .withNewTemplate().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                    .endTemplate().build(), false);
            assertThat(created.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Always");
            assertThat(created.getTemplate().getSpec().getContainers().getFirst().getImagePullPolicy()).isEqualTo("Always");
            assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

            PodTemplate changed = new PodTemplateBuilder(created).editTemplate().editSpec().editFirstContainer().withImage("busybox:1.36")
                    .endContainer().endSpec().endTemplate().build();
            assertThat(templates.update("default", "t", changed, false).object().getMetadata().getGeneration()).isEqualTo(2L);

            assertThatThrownBy(() -> templates.create("default", new PodTemplateBuilder().withNewMetadata().withName("bad").endMetadata()
                    .withNewTemplate().withNewSpec().endSpec().endTemplate().build(), false))
                    .isInstanceOfSatisfying(ApiException.class, e ->
                            assertThat(e.getMessage()).isEqualTo("PodTemplate \"bad\" is invalid: template.spec.containers: Required value"));
        }
    }
}
