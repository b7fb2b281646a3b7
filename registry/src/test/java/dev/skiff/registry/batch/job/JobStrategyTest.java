package dev.skiff.registry.batch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobStrategyTest {
    @TempDir
    Path dir;
    EmbeddedStore store;
    GenericRegistry<Job> jobs;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        jobs = new GenericRegistry<>(store, JobStrategy.RESOURCE, new JobStrategy(), Clock.systemUTC(), new SplittableRandom(7));
    }

    @AfterEach
    void close() {
        store.close();
    }

    static Job job(String name, String restartPolicy) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNewTemplate().withNewSpec()
                .withRestartPolicy(restartPolicy).addNewContainer().withName("c").withImage("busybox:1.36").endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    @Test
    void generatesSelectorAndPodLabelsFromTheUidAndDefaultsAsUpstream() {
        Job created = jobs.create("default", job("pi", "Never"), false);
        String uid = created.getMetadata().getUid();
        assertThat(created.getSpec().getSelector().getMatchLabels()).containsExactly(Map.entry("batch.kubernetes.io/controller-uid", uid));
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels()).containsOnly(
                Map.entry("controller-uid", uid), Map.entry("job-name", "pi"),
                Map.entry("batch.kubernetes.io/controller-uid", uid), Map.entry("batch.kubernetes.io/job-name", "pi"));
        assertThat(created.getMetadata().getLabels()).isEqualTo(created.getSpec().getTemplate().getMetadata().getLabels());
        var spec = created.getSpec();
        assertThat(spec.getCompletions()).isEqualTo(1);
        assertThat(spec.getParallelism()).isEqualTo(1);
        assertThat(spec.getBackoffLimit()).isEqualTo(6);
        assertThat(spec.getCompletionMode()).isEqualTo("NonIndexed");
        assertThat(spec.getSuspend()).isFalse();
        assertThat(spec.getPodReplacementPolicy()).isEqualTo("TerminatingOrFailed");
        assertThat(spec.getTemplate().getSpec().getContainers().getFirst().getImagePullPolicy()).isEqualTo("IfNotPresent");
    }

    @Test
    void parallelismAloneLeavesCompletionsUnset() {
        Job j = job("p", "OnFailure");
        j.getSpec().setParallelism(3);
        Job created = jobs.create("default", j, false);
        assertThat(created.getSpec().getCompletions()).isNull();
        assertThat(created.getSpec().getParallelism()).isEqualTo(3);
    }

    @Test
    void restartPolicyMustBeOnFailureOrNever() {
        assertThatThrownBy(() -> jobs.create("default", job("a", "Always"), false)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(422);
            assertThat(e.status().getDetails().getCauses()).extracting(StatusCause::getField, StatusCause::getMessage).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("spec.template.spec.restartPolicy",
                            "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""));
        });
    }

    @Test
    void aSelectorWithoutManualSelectorIsRefusedAndManualOneMustMatch() {
        Job own = job("own", "Never");
        own.getSpec().setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("x", "y")).build());
        assertThatThrownBy(() -> jobs.create("default", own, false)).hasMessageContaining("`selector` not auto-generated");
        own.getSpec().setManualSelector(true);
        assertThatThrownBy(() -> jobs.create("default", own, false))
                .hasMessageContaining("spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`");
        own.getSpec().getTemplate().getMetadata();
        own.getSpec().getTemplate().setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withLabels(Map.of("x", "y")).build());
        Job created = jobs.create("default", own, false);
        assertThat(created.getSpec().getSelector().getMatchLabels()).containsExactly(Map.entry("x", "y"));
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels()).containsExactly(Map.entry("x", "y"));
    }

    @Test
    void indexedNeedsCompletionsAndTheTemplateIsImmutable() {
        Job indexed = job("i", "Never");
        indexed.getSpec().setCompletionMode("Indexed");
        indexed.getSpec().setParallelism(2);
        assertThatThrownBy(() -> jobs.create("default", indexed, false))
                .hasMessageContaining("spec.completions: Required value: when completion mode is Indexed");
        Job created = jobs.create("default", job("t", "Never"), false);
        Job changed = new JobBuilder(created).build();
        changed.getSpec().getTemplate().getSpec().getContainers().getFirst().setImage("busybox:1.37");
        assertThatThrownBy(() -> jobs.update("default", "t", changed, false)).hasMessageContaining("spec.template: Invalid value")
                .hasMessageContaining("field is immutable");
    }
}
