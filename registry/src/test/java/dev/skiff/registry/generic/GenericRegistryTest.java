package dev.skiff.registry.generic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.core.configmap.ConfigMapStrategy;
import dev.skiff.registry.storage.ListOptions;
import dev.skiff.registry.storage.Resource;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenericRegistryTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    EmbeddedStore store;
    GenericRegistry<ConfigMap> configMaps;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        configMaps = registry(42);
    }

    @AfterEach
    void close() {
        store.close();
    }

    GenericRegistry<ConfigMap> registry(long seed) {
        return new GenericRegistry<>(store, ConfigMapStrategy.RESOURCE, new ConfigMapStrategy(), CLOCK, new SplittableRandom(seed));
    }

    static ConfigMapBuilder cm(String name) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().withData(Map.of("k", "v"));
    }

    static void assertStatus(ThrowingCallable call, int code, String reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
            assertThat(e.reason()).isEqualTo(reason);
        });
    }

    @Test
    void createFillsSystemFieldsAndIgnoresClientChosenOnes() {
        ConfigMap input = cm("a").editMetadata().withUid("mine").withCreationTimestamp("1999-01-01T00:00:00Z")
                .withDeletionTimestamp("1999-01-01T00:00:00Z").endMetadata().build();
        ConfigMap created = configMaps.create("ns", input, false);
        assertThat(created.getMetadata().getUid()).isNotEqualTo("mine").hasSize(36);
        assertThat(created.getMetadata().getCreationTimestamp()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(created.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(created.getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();
        assertThat(configMaps.get("ns", "a")).isEqualTo(created);
        assertThat(input.getMetadata().getUid()).as("the caller's object is not touched").isEqualTo("mine");
    }

    @Test
    void createReportsEachErrorAsUpstreamDoes() {
        configMaps.create("ns", cm("a").build(), false);
        assertStatus(() -> configMaps.create("ns", cm("a").build(), false), 409, "AlreadyExists");
        assertStatus(() -> configMaps.create("ns", cm(null).build(), false), 422, "Invalid");
        assertStatus(() -> configMaps.create("ns", cm("Bad_Name").build(), false), 422, "Invalid");
        assertStatus(() -> configMaps.create("other", cm("b").editMetadata().withNamespace("ns").endMetadata().build(), false), 400, "BadRequest");
        assertStatus(() -> configMaps.create("ns", cm("c").editMetadata().withResourceVersion("5").endMetadata().build(), false), 500, "InternalError");
        assertStatus(() -> configMaps.get("ns", "missing"), 404, "NotFound");
        assertThatThrownBy(() -> configMaps.create("ns", cm(null).build(), false)).hasMessage(
                "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required");
    }

    @Test
    void generatesNamesFromGenerateNameAndRetriesOnCollision() {
        ConfigMap first = configMaps.create("ns", cm(null).editMetadata().withGenerateName("web-").endMetadata().build(), false);
        assertThat(first.getMetadata().getName()).matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}");
        // a registry with the same seed draws the same name first, collides, and draws again
        ConfigMap second = registry(42).create("ns", cm(null).editMetadata().withGenerateName("web-").endMetadata().build(), false);
        assertThat(second.getMetadata().getName()).matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}").isNotEqualTo(first.getMetadata().getName());
    }

    @Test
    void rejectsStaleResourceVersionWithConflict() {
        ConfigMap v1 = configMaps.create("ns", cm("a").build(), false);
        ConfigMap v2 = configMaps.update("ns", "a", new ConfigMapBuilder(v1).withData(Map.of("k", "2")).build(), false).object();
        assertThat(Long.parseLong(v2.getMetadata().getResourceVersion())).isGreaterThan(Long.parseLong(v1.getMetadata().getResourceVersion()));
        assertStatus(() -> configMaps.update("ns", "a", new ConfigMapBuilder(v1).withData(Map.of("k", "3")).build(), false), 409, "Conflict");
        // without a resourceVersion, configmaps accept the write (AllowUnconditionalUpdate)
        ConfigMap blind = new ConfigMapBuilder(v1).editMetadata().withResourceVersion(null).endMetadata().withData(Map.of("k", "4")).build();
        assertThat(configMaps.update("ns", "a", blind, false).object().getData()).containsEntry("k", "4");
        assertStatus(() -> configMaps.update("ns", "missing", cm("missing").build(), false), 404, "NotFound");
        assertStatus(() -> configMaps.update("ns", "other", cm("a").build(), false), 400, "BadRequest");
    }

    @Test
    void updateKeepsUidAndCreationTimestampAndRejectsAChangedUid() {
        ConfigMap created = configMaps.create("ns", cm("a").build(), false);
        ConfigMap noSystemFields = cm("a").withData(Map.of("k", "2")).build();
        ConfigMap updated = configMaps.update("ns", "a", noSystemFields, false).object();
        assertThat(updated.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(updated.getMetadata().getCreationTimestamp()).isEqualTo(created.getMetadata().getCreationTimestamp());
        assertThatThrownBy(() -> configMaps.update("ns", "a", cm("a").editMetadata().withUid("other").endMetadata().build(), false))
                .hasMessage("ConfigMap \"a\" is invalid: metadata.uid: Invalid value: \"other\": field is immutable");
    }

    @Test
    void bumpsGenerationOnlyWhenSpecChanges() {
        Resource<Deployment> deployments = Resource.of("apps", "deployments", "Deployment", true, Deployment.class, Deployment::new);
        Strategy<Deployment> strategy = new Strategy<>() {
            public boolean namespaced() { return true; }
            public List<ApiException.Cause> validate(Deployment d) { return List.of(); }
            public List<ApiException.Cause> validateUpdate(Deployment d, Deployment old) { return List.of(); }
            public boolean tracksGeneration() { return true; }
            public Object spec(Deployment d) { return d.getSpec(); }
        };
        var registry = new GenericRegistry<>(store, deployments, strategy, CLOCK, new SplittableRandom(1));
        Deployment d = registry.create("ns", new DeploymentBuilder().withNewMetadata().withName("d").endMetadata()
                .withNewSpec().withReplicas(1).endSpec().build(), false);
        assertThat(d.getMetadata().getGeneration()).isEqualTo(1L);
        Deployment labelled = registry.update("ns", "d", new DeploymentBuilder(d).editMetadata().withLabels(Map.of("a", "b")).endMetadata().build(), false).object();
        assertThat(labelled.getMetadata().getGeneration()).isEqualTo(1L);
        Deployment scaled = registry.update("ns", "d", new DeploymentBuilder(labelled).editSpec().withReplicas(3).endSpec()
                .editMetadata().withGeneration(99L).endMetadata().build(), false).object();
        assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);
    }

    @Test
    void deleteChecksPreconditions() {
        ConfigMap created = configMaps.create("ns", cm("a").build(), false);
        assertStatus(() -> configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withPreconditions("other-uid", null)), 409, "Conflict");
        assertStatus(() -> configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withPreconditions(null, "1")), 409, "Conflict");
        var result = configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withPreconditions(created.getMetadata().getUid(), created.getMetadata().getResourceVersion()));
        assertThat(result.removed()).isTrue();
        assertStatus(() -> configMaps.delete("ns", "a", DeleteOptions.DEFAULT), 404, "NotFound");
    }

    @Test
    void deletingAnObjectWithFinalizersMarksItUntilTheLastFinalizerGoes() {
        configMaps.create("ns", cm("a").editMetadata().withFinalizers("example.com/one", "example.com/two").endMetadata().build(), false);
        var marked = configMaps.delete("ns", "a", DeleteOptions.DEFAULT);
        assertThat(marked.removed()).isFalse();
        assertThat(marked.object().getMetadata().getDeletionTimestamp()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(marked.object().getMetadata().getDeletionGracePeriodSeconds()).isZero();
        // deleting again changes nothing
        assertThat(configMaps.delete("ns", "a", DeleteOptions.DEFAULT).object().getMetadata().getResourceVersion())
                .isEqualTo(marked.object().getMetadata().getResourceVersion());
        // no new finalizers while deleting; the deletion mark cannot be cleared
        ConfigMap current = configMaps.get("ns", "a");
        assertStatus(() -> configMaps.update("ns", "a", new ConfigMapBuilder(current).editMetadata().addToFinalizers("example.com/three").endMetadata().build(), false), 422, "Invalid");
        var one = configMaps.update("ns", "a", new ConfigMapBuilder(current).editMetadata().withDeletionTimestamp(null)
                .withFinalizers("example.com/two").endMetadata().build(), false);
        assertThat(one.deleted()).isFalse();
        assertThat(one.object().getMetadata().getDeletionTimestamp()).isEqualTo("2026-01-02T03:04:05Z");
        var last = configMaps.update("ns", "a", new ConfigMapBuilder(one.object()).editMetadata().withFinalizers().endMetadata().build(), false);
        assertThat(last.deleted()).isTrue();
        assertStatus(() -> configMaps.get("ns", "a"), 404, "NotFound");
    }

    @Test
    void foregroundAndOrphanPoliciesAddTheirFinalizers() {
        configMaps.create("ns", cm("a").build(), false);
        var marked = configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withPropagationPolicy("Orphan"));
        assertThat(marked.removed()).isFalse();
        assertThat(marked.object().getMetadata().getFinalizers()).containsExactly("orphan");
        assertStatus(() -> configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withPropagationPolicy("Sideways")), 422, "Invalid");
    }

    @Test
    void dryRunValidatesButWritesNothing() {
        long before = store.status().revision();
        ConfigMap dry = configMaps.create("ns", cm("a").build(), true);
        assertThat(dry.getMetadata().getUid()).isNotNull();
        assertStatus(() -> configMaps.create("ns", cm("Bad_Name").build(), true), 422, "Invalid");
        assertThat(store.status().revision()).isEqualTo(before);
        assertStatus(() -> configMaps.get("ns", "a"), 404, "NotFound");

        ConfigMap real = configMaps.create("ns", cm("a").build(), false);
        long afterCreate = store.status().revision();
        assertStatus(() -> configMaps.create("ns", cm("a").build(), true), 409, "AlreadyExists");
        ConfigMap dryUpdate = configMaps.update("ns", "a", new ConfigMapBuilder(real).withData(Map.of("k", "dry")).build(), true).object();
        assertThat(dryUpdate.getData()).containsEntry("k", "dry");
        assertThat(configMaps.delete("ns", "a", DeleteOptions.DEFAULT.withDryRun()).removed()).isTrue();
        assertThat(store.status().revision()).isEqualTo(afterCreate);
        assertThat(configMaps.get("ns", "a")).isEqualTo(real);
    }

    @Test
    void deleteCollectionDeletesWhatTheSelectorMatches() {
        for (String name : List.of("a", "b", "c", "d")) {
            configMaps.create("ns", cm(name).editMetadata().withLabels(Map.of("keep", name.equals("d") ? "yes" : "no")).endMetadata().build(), false);
        }
        var options = ListOptions.latest().withLimit(2).withPredicate(o -> "no".equals(o.getMetadata().getLabels().get("keep")));
        var deleted = configMaps.deleteCollection("ns", options, DeleteOptions.DEFAULT);
        assertThat(deleted).hasSize(3).allMatch(DeleteResult::removed);
        assertThat(configMaps.list("ns", ListOptions.latest()).items()).extracting(c -> c.getMetadata().getName()).containsExactly("d");
    }

    @Test
    void objectAdmissionRunsAfterValidationAndItsReservationFollowsTheWrite() {
        List<String> log = new ArrayList<>();
        ObjectAdmission admission = (object, old, dryRun) -> {
            log.add("admit " + object.getMetadata().getName() + " old=" + (old == null ? "none" : ((ConfigMap) old).getData().get("k")));
            return new StoreHooks.Transaction() {
                @Override
                public void commit() {
                    log.add("commit");
                }

                @Override
                public void revert() {
                    log.add("revert");
                }
            };
        };
        configMaps.create("ns", cm("a").build(), false, admission);
        assertStatus(() -> configMaps.create("ns", cm("a").build(), false, admission), 409, "AlreadyExists");
        assertStatus(() -> configMaps.create("ns", cm("Bad_Name").build(), false, admission), 422, "Invalid");
        configMaps.update("ns", "a", cm("a").withData(Map.of("k", "w")).build(), false, admission);
        assertThat(log).containsExactly("admit a old=none", "commit", "admit a old=none", "revert", "admit a old=v", "commit");
    }
}
