package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Scale;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Kubernetes Java client (io.kubernetes:client-java 24) against a real
 * {@code skiff server}, unmodified: typed CRUD, selectors, pagination, the three patch types and
 * server-side apply, conflicts and error Statuses, the scale subresource and its informer.
 */
class JavaClientTest {
    @TempDir
    static Path dir;
    static SkiffProcess server;
    static ApiClient client;
    static CoreV1Api core;

    @BeforeAll
    static void startServer() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        server = SkiffProcess.apiServer(dir, SkiffProcess.freePort(), kubeconfig);
        client = Config.fromConfig(kubeconfig.toString());
        core = new CoreV1Api(client);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("java"))).execute();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    private static V1ConfigMap configMap(String name, Map<String, String> labels) {
        return new V1ConfigMap().metadata(new V1ObjectMeta().name(name).labels(labels)).data(Map.of("name", name));
    }

    @Test
    void typedCallsSelectorsPaginationAndErrors() throws Exception {
        assertThat(new VersionApi(client).getCode().execute().getGitVersion()).startsWith("v1.33");
        for (int i = 0; i < 5; i++) {
            core.createNamespacedConfigMap("java", configMap("cm-" + i, Map.of("app", "j", "tier", i % 2 == 0 ? "even" : "odd"))).execute();
        }
        assertThat(core.listNamespacedConfigMap("java").labelSelector("app=j,tier notin (even)").execute().getItems())
                .extracting(c -> c.getMetadata().getName()).containsExactly("cm-1", "cm-3");

        List<String> names = new ArrayList<>();
        String token = null;
        do {
            V1ConfigMapList page = core.listNamespacedConfigMap("java").labelSelector("app=j").limit(2)._continue(token).execute();
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(2);
            page.getItems().forEach(c -> names.add(c.getMetadata().getName()));
            token = page.getMetadata().getContinue();
        } while (token != null && !token.isEmpty());
        assertThat(names).containsExactly("cm-0", "cm-1", "cm-2", "cm-3", "cm-4");

        V1ConfigMap current = core.readNamespacedConfigMap("cm-0", "java").execute();
        current.getData().put("changed", "yes");
        core.replaceNamespacedConfigMap("cm-0", "java", current).execute();
        assertThatThrownBy(() -> core.replaceNamespacedConfigMap("cm-0", "java", current).execute())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getResponseBody()).contains("\"reason\":\"Conflict\"");
                });
        assertThatThrownBy(() -> core.readNamespacedConfigMap("missing", "java").execute())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        assertThatThrownBy(() -> core.createNamespacedConfigMap("java", configMap("Not_Valid", Map.of())).execute())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getResponseBody()).contains("\"field\":\"metadata.name\"");
                });
    }

    @Test
    void everyPatchTypeAndServerSideApply() throws Exception {
        core.createNamespacedConfigMap("java", configMap("patched", Map.of("a", "1"))).execute();
        V1ConfigMap strategic = PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("patched", "java",
                new V1Patch("{\"metadata\":{\"labels\":{\"b\":\"2\"}}}")).buildCall(null), V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
        assertThat(strategic.getMetadata().getLabels()).containsEntry("a", "1").containsEntry("b", "2");
        V1ConfigMap merge = PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("patched", "java",
                new V1Patch("{\"metadata\":{\"labels\":{\"a\":null}}}")).buildCall(null), V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
        assertThat(merge.getMetadata().getLabels()).containsOnlyKeys("b");
        V1ConfigMap json = PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("patched", "java",
                new V1Patch("[{\"op\":\"add\",\"path\":\"/data/extra\",\"value\":\"x\"}]")).buildCall(null), V1Patch.PATCH_FORMAT_JSON_PATCH, client);
        assertThat(json.getData()).containsEntry("extra", "x");

        String applied = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"applied\",\"namespace\":\"java\"},\"data\":{\"k\":\"v\"}}";
        V1ConfigMap created = PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("applied", "java", new V1Patch(applied))
                .fieldManager("java-test").buildCall(null), V1Patch.PATCH_FORMAT_APPLY_YAML, client);
        assertThat(created.getData()).containsEntry("k", "v");
        // java-test owns data.k now: another manager's apply of a different value conflicts until forced
        String other = applied.replace("\"v\"", "\"w\"");
        assertThatThrownBy(() -> PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("applied", "java", new V1Patch(other))
                .fieldManager("someone-else").buildCall(null), V1Patch.PATCH_FORMAT_APPLY_YAML, client))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        V1ConfigMap forced = PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("applied", "java", new V1Patch(other))
                .fieldManager("someone-else").force(true).buildCall(null), V1Patch.PATCH_FORMAT_APPLY_YAML, client);
        assertThat(forced.getData()).containsEntry("k", "w");
    }

    @Test
    void theScaleSubresource() throws Exception {
        var apps = new AppsV1Api(client);
        apps.createNamespacedDeployment("java", new V1Deployment().metadata(new V1ObjectMeta().name("web")).spec(new V1DeploymentSpec()
                .replicas(1).selector(new V1LabelSelector().matchLabels(Map.of("app", "web")))
                .template(new V1PodTemplateSpec().metadata(new V1ObjectMeta().labels(Map.of("app", "web")))
                        .spec(new V1PodSpec().containers(List.of(new V1Container().name("web").image("busybox:1.35"))))))).execute();
        V1Scale scale = apps.readNamespacedDeploymentScale("web", "java").execute();
        assertThat(scale.getSpec().getReplicas()).isEqualTo(1);
        scale.getSpec().setReplicas(3);
        apps.replaceNamespacedDeploymentScale("web", "java", scale).execute();
        assertThat(apps.readNamespacedDeployment("web", "java").execute().getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void theInformerListsThenFollowsTheWatch() throws Exception {
        core.createNamespacedConfigMap("java", configMap("before", Map.of("informed", "yes"))).execute();
        var factory = new SharedInformerFactory(client);
        var api = new GenericKubernetesApi<>(V1ConfigMap.class, V1ConfigMapList.class, "", "v1", "configmaps", client);
        var informer = factory.sharedIndexInformerFor(api, V1ConfigMap.class, 0, "java");
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1ConfigMap obj) {
                events.add("add " + obj.getMetadata().getName());
            }

            @Override
            public void onUpdate(V1ConfigMap oldObj, V1ConfigMap newObj) {
                events.add("update " + newObj.getMetadata().getName());
            }

            @Override
            public void onDelete(V1ConfigMap obj, boolean deletedFinalStateUnknown) {
                events.add("delete " + obj.getMetadata().getName());
            }
        });
        factory.startAllRegisteredInformers();
        try {
            await(() -> informer.hasSynced());
            assertThat(informer.getIndexer().getByKey("java/before")).isNotNull();
            core.createNamespacedConfigMap("java", configMap("after", Map.of())).execute();
            PatchUtils.patch(V1ConfigMap.class, () -> core.patchNamespacedConfigMap("after", "java",
                    new V1Patch("{\"data\":{\"more\":\"1\"}}")).buildCall(null), V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
            core.deleteNamespacedConfigMap("after", "java").execute();
            await(() -> events.contains("delete after"));
            assertThat(events).containsSubsequence("add before", "add after", "update after", "delete after");
        } finally {
            factory.stopAllRegisteredInformers();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("within 30 s").isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
