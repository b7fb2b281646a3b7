package dev.skiff.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.storage.Storage.Change;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
    static final Resource<ConfigMap> CONFIGMAPS = Resource.of("", "configmaps", "ConfigMap", true, ConfigMap.class, ConfigMap::new);

    @TempDir
    Path dir;
    EmbeddedStore store;
    Storage<ConfigMap> storage;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        storage = new Storage<>(store, CONFIGMAPS, new ObjectCodec());
    }

    @AfterEach
    void close() {
        store.close();
    }

    static ConfigMap cm(String ns, String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withData(Map.of("k", value)).build();
    }

    @Test
    void storesJsonAtTheUpstreamKeyWithModRevisionAsResourceVersion() {
        ConfigMap created = storage.create("ns", "a", cm("ns", "a", "1"), false);
        var kv = store.range(dev.skiff.store.RangeRequest.key(com.google.protobuf.ByteString.copyFromUtf8("/registry/configmaps/ns/a"))).kvs().getFirst();
        assertThat(created.getMetadata().getResourceVersion()).isEqualTo(Long.toString(kv.modRevision()));
        assertThat(kv.value().toStringUtf8()).contains("\"kind\":\"ConfigMap\"").doesNotContain("resourceVersion");
        assertThat(storage.get("ns", "a").getData()).containsEntry("k", "1");
    }

    @Test
    void rejectsDuplicateCreateWithAlreadyExists() {
        storage.create("ns", "a", cm("ns", "a", "1"), false);
        assertThatThrownBy(() -> storage.create("ns", "a", cm("ns", "a", "2"), false))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.reason()).isEqualTo("AlreadyExists");
                    assertThat(e.getMessage()).isEqualTo("configmaps \"a\" already exists");
                });
    }

    @Test
    void rejectsStaleResourceVersionWithConflict() {
        ConfigMap v1 = storage.create("ns", "a", cm("ns", "a", "1"), false);
        storage.guaranteedUpdate("ns", "a", Preconditions.NONE, c -> { c.setData(Map.of("k", "2")); return new Change.Write<>(c); }, false);
        assertThatThrownBy(() -> storage.guaranteedUpdate("ns", "a", Preconditions.resourceVersion(v1.getMetadata().getResourceVersion()),
                c -> new Change.Write<>(c), false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; "
                                + "please apply your changes to the latest version and try again"));
    }

    @Test
    void retriesAnUnconditionalUpdateThatRacedAnotherWriter() {
        storage.create("ns", "a", cm("ns", "a", "0"), false);
        AtomicBoolean raced = new AtomicBoolean();
        var updated = storage.guaranteedUpdate("ns", "a", Preconditions.NONE, c -> {
            if (raced.compareAndSet(false, true)) {
                storage.guaranteedUpdate("ns", "a", Preconditions.NONE, o -> { o.setData(Map.of("k", "other")); return new Change.Write<>(o); }, false);
            }
            c.getData().put("mine", "yes");
            return new Change.Write<>(c);
        }, false);
        assertThat(updated.object().getData()).containsEntry("k", "other").containsEntry("mine", "yes");
    }

    @Test
    void writesNothingWhenAnUpdateChangesNothing() {
        ConfigMap created = storage.create("ns", "a", cm("ns", "a", "1"), false);
        var same = storage.guaranteedUpdate("ns", "a", Preconditions.NONE, Change.Write::new, false);
        assertThat(same.object().getMetadata().getResourceVersion()).isEqualTo(created.getMetadata().getResourceVersion());
    }

    @Test
    void pagesThroughOneSnapshotWhileWritersChangeTheList() throws Exception {
        for (int i = 0; i < 40; i++) {
            storage.create("ns", String.format("cm-%02d", i), cm("ns", String.format("cm-%02d", i), "v"), false);
        }
        ListResult<ConfigMap> page = storage.list("ns", ListOptions.latest().withLimit(7));
        String snapshotRv = page.resourceVersion();
        assertThat(page.remainingItemCount()).isEqualTo(33L);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 40; i < 60; i++) {
                storage.create("ns", "cm-" + i, cm("ns", "cm-" + i, "v"), false);
            }
            storage.delete("ns", "cm-39", Preconditions.NONE, 0, false);
        });
        List<String> names = new ArrayList<>(page.items().stream().map(c -> c.getMetadata().getName()).toList());
        int pages = 1;
        while (page.continueToken() != null) {
            page = storage.list("ns", ListOptions.latest().withLimit(7).withContinue(page.continueToken()));
            assertThat(page.resourceVersion()).isEqualTo(snapshotRv);
            names.addAll(page.items().stream().map(c -> c.getMetadata().getName()).toList());
            pages++;
        }
        writer.join();
        assertThat(pages).isEqualTo(6);
        assertThat(names).hasSize(40).doesNotHaveDuplicates().contains("cm-39").doesNotContain("cm-40");
        assertThat(page.remainingItemCount()).isNull();
    }

    @Test
    void fillsTheLimitFromFurtherReadsWhenThePredicateFilters() {
        for (int i = 0; i < 20; i++) {
            storage.create("ns", String.format("cm-%02d", i), cm("ns", String.format("cm-%02d", i), i % 4 == 0 ? "x" : "y"), false);
        }
        var options = ListOptions.latest().withLimit(2).withPredicate(o -> "x".equals(((ConfigMap) o).getData().get("k")));
        var seen = new HashSet<String>();
        ListResult<ConfigMap> page = storage.list("ns", options);
        seen.addAll(page.items().stream().map(c -> c.getMetadata().getName()).toList());
        assertThat(page.items()).hasSize(2);
        assertThat(page.remainingItemCount()).isNull();
        while (page.continueToken() != null) {
            page = storage.list("ns", options.withContinue(page.continueToken()));
            seen.addAll(page.items().stream().map(c -> c.getMetadata().getName()).toList());
        }
        assertThat(seen).containsExactlyInAnyOrder("cm-00", "cm-04", "cm-08", "cm-12", "cm-16");
    }

    @Test
    void listsOneNamespaceWithoutItsPrefixSiblings() {
        storage.create("a", "x", cm("a", "x", "1"), false);
        storage.create("ab", "y", cm("ab", "y", "1"), false);
        assertThat(storage.list("a", ListOptions.latest()).items()).extracting(c -> c.getMetadata().getName()).containsExactly("x");
        assertThat(storage.list(null, ListOptions.latest()).items()).hasSize(2);
    }

    @Test
    void expiresAContinueTokenWhoseSnapshotWasCompacted() {
        for (int i = 0; i < 5; i++) {
            storage.create("ns", "cm-" + i, cm("ns", "cm-" + i, "v"), false);
        }
        ListResult<ConfigMap> first = storage.list("ns", ListOptions.latest().withLimit(2));
        storage.guaranteedUpdate("ns", "cm-4", Preconditions.NONE, c -> { c.setData(Map.of("k", "w")); return new Change.Write<>(c); }, false);
        store.compact(store.status().revision());
        assertThatThrownBy(() -> storage.list("ns", ListOptions.latest().withLimit(2).withContinue(first.continueToken())))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(410);
                    assertThat(e.reason()).isEqualTo("Expired");
                    assertThat(e.getMessage()).isEqualTo(Storage.INCONSISTENT_CONTINUE);
                    // the fresh token continues the remainder at the latest revision
                    var rest = storage.list("ns", ListOptions.latest().withContinue(e.status().getMetadata().getContinue()));
                    assertThat(rest.items()).extracting(c -> c.getMetadata().getName()).containsExactly("cm-2", "cm-3", "cm-4");
                });
    }

    @Test
    void readsExactlyAnOlderResourceVersionUntilItIsCompacted() {
        ConfigMap v1 = storage.create("ns", "a", cm("ns", "a", "1"), false);
        storage.create("ns", "b", cm("ns", "b", "1"), false);
        String rv = v1.getMetadata().getResourceVersion();
        var exact = storage.list("ns", ListOptions.latest().atResourceVersion(rv, ResourceVersionMatch.EXACT));
        assertThat(exact.items()).hasSize(1);
        assertThat(exact.resourceVersion()).isEqualTo(rv);
        store.compact(store.status().revision());
        assertThatThrownBy(() -> storage.list("ns", ListOptions.latest().atResourceVersion(rv, ResourceVersionMatch.EXACT)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(410);
                    assertThat(e.getMessage()).isEqualTo("too old resource version: " + rv + " (" + store.status().revision() + ")");
                });
        var notOlder = storage.list("ns", ListOptions.latest().atResourceVersion(rv, ResourceVersionMatch.NOT_OLDER_THAN));
        assertThat(notOlder.items()).hasSize(2);
    }

    @Test
    void rejectsAMalformedContinueTokenAsBadRequest() {
        assertThatThrownBy(() -> storage.list("ns", ListOptions.latest().withContinue("bm90LWpzb24")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void deleteChecksUidPreconditionAndReportsTheDeleteRevision() {
        ConfigMap created = storage.create("ns", "a", cm("ns", "a", "1"), false);
        assertThatThrownBy(() -> storage.delete("ns", "a", new Preconditions("other", null), 0, false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .endsWith("Precondition failed: UID in precondition: other, UID in object meta: null"));
        var gone = storage.delete("ns", "a", Preconditions.NONE, 0, false).orElseThrow();
        assertThat(Long.parseLong(gone.getMetadata().getResourceVersion())).isGreaterThan(Long.parseLong(created.getMetadata().getResourceVersion()));
        assertThatThrownBy(() -> storage.get("ns", "a")).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }
}
