package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume, quota and CSI resources through the real server with the fabric8 client: CRUD, status, tables, discovery, OpenAPI. */
class StorageResourcesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private static JsonNode get(KubernetesClient client, String path, String accept) throws Exception {
        var http = client.getHttpClient();
        var request = http.newHttpRequestBuilder().uri(URI.create(client.getMasterUrl().toString().replaceAll("/$", "") + path))
                .header("Accept", accept).build();
        var response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
        assertThat(response.code()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static List<String> columns(JsonNode table) {
        return java.util.stream.StreamSupport.stream(table.get("columnDefinitions").spliterator(), false)
                .filter(c -> c.get("priority").asInt() == 0).map(c -> c.get("name").asText()).toList();
    }

    @Test
    void persistentVolumesAndClaimsThroughTheServer(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            PersistentVolume pv = client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv1")
                    .endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity("1.5Gi"))).withAccessModes("ReadWriteOnce")
                    .withStorageClassName("manual").withNewHostPath().withPath("/data/pv1").endHostPath().endSpec().build()).create();
            assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
            assertThat(pv.getSpec().getVolumeMode()).isEqualTo("Filesystem");
            assertThat(pv.getStatus().getPhase()).isEqualTo("Pending");
            assertThat(client.persistentVolumes().withField("metadata.name", "pv1").list().getItems()).hasSize(1);

            pv.getStatus().setPhase("Available");
            pv.getSpec().setStorageClassName("ignored-on-status");
            PersistentVolume available = client.persistentVolumes().resource(pv).updateStatus();
            assertThat(available.getStatus().getPhase()).isEqualTo("Available");
            assertThat(available.getSpec().getStorageClassName()).isEqualTo("manual");

            PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace("default").resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("data").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                    .withStorageClassName("manual").withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources()
                    .endSpec().build()).create();
            assertThat(pvc.getStatus().getPhase()).isEqualTo("Pending");
            assertThat(pvc.getSpec().getVolumeMode()).isEqualTo("Filesystem");
            // the binder's two writes: volumeName on the spec, then the status
            pvc.getSpec().setVolumeName("pv1");
            pvc = client.persistentVolumeClaims().inNamespace("default").resource(pvc).update();
            pvc.getStatus().setPhase("Bound");
            pvc.getStatus().setAccessModes(List.of("ReadWriteOnce"));
            pvc.getStatus().setCapacity(Map.of("storage", new Quantity("1.5Gi")));
            pvc = client.persistentVolumeClaims().inNamespace("default").resource(pvc).updateStatus();
            assertThat(pvc.getStatus().getPhase()).isEqualTo("Bound");

            PersistentVolumeClaim changed = new PersistentVolumeClaimBuilder(pvc).editSpec().withAccessModes("ReadWriteMany").endSpec().build();
            assertThatThrownBy(() -> client.persistentVolumeClaims().inNamespace("default").resource(changed).update())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(422);
                        assertThat(e.getStatus().getDetails().getCauses()).anySatisfy(c -> {
                            assertThat(c.getField()).isEqualTo("spec");
                            assertThat(c.getMessage()).startsWith("Forbidden: spec is immutable after creation");
                        });
                    });
            assertThatThrownBy(() -> client.persistentVolumeClaims().inNamespace("default").resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("bad").endMetadata().withNewSpec().endSpec().build()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getDetails().getCauses())
                            .extracting(c -> c.getField()).containsExactly("spec.accessModes", "spec.resources[storage]"));

            JsonNode pvTable = get(client, "/api/v1/persistentvolumes", TABLE);
            assertThat(columns(pvTable)).containsExactly("Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                    "StorageClass", "VolumeAttributesClass", "Reason", "Age");
            JsonNode cells = pvTable.get("rows").get(0).get("cells");
            assertThat(List.of(cells.get(1).asText(), cells.get(2).asText(), cells.get(3).asText(), cells.get(4).asText(),
                    cells.get(6).asText(), cells.get(7).asText())).containsExactly("1536Mi", "RWO", "Retain", "Available", "manual", "<unset>");
            JsonNode pvcTable = get(client, "/api/v1/namespaces/default/persistentvolumeclaims", TABLE);
            assertThat(columns(pvcTable)).containsExactly("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                    "VolumeAttributesClass", "Age");
            JsonNode pvcCells = pvcTable.get("rows").get(0).get("cells");
            assertThat(List.of(pvcCells.get(1).asText(), pvcCells.get(2).asText(), pvcCells.get(3).asText(), pvcCells.get(4).asText()))
                    .containsExactly("Bound", "pv1", "1536Mi", "RWO");

            List<APIResource> core = client.getApiResources("v1").getResources();
            assertThat(core).anySatisfy(r -> {
                assertThat(r.getName()).isEqualTo("persistentvolumes");
                assertThat(r.getNamespaced()).isFalse();
                assertThat(r.getShortNames()).containsExactly("pv");
            });
            assertThat(core).extracting(APIResource::getName).contains("persistentvolumes/status", "persistentvolumeclaims",
                    "persistentvolumeclaims/status", "resourcequotas", "resourcequotas/status", "limitranges");
            assertThat(get(client, "/openapi/v3/api/v1", "application/json").get("paths").has("/api/v1/persistentvolumes")).isTrue();
        }
    }

    @Test
    void quotasLimitRangesAndCsiObjectsThroughTheServer(@TempDir Path dir) throws Exception {
        try (var cp = LocalControlPlane.start(dir); KubernetesClient client = RestClients.fromKubeconfig(cp.kubeconfig())) {
            ResourceQuota quota = client.resourceQuotas().inNamespace("default").resource(new ResourceQuotaBuilder().withNewMetadata()
                    .withName("compute").endMetadata().withNewSpec().withHard(Map.of("requests.cpu", new Quantity("2"),
                            "limits.memory", new Quantity("2Gi"))).endSpec().build()).create();
            quota.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(quota.getSpec().getHard(),
                    Map.of("requests.cpu", new Quantity("500m"), "limits.memory", new Quantity("1Gi"))));
            client.resourceQuotas().inNamespace("default").resource(quota).updateStatus();
            JsonNode quotaTable = get(client, "/api/v1/namespaces/default/resourcequotas", TABLE);
            assertThat(columns(quotaTable)).containsExactly("Name", "Request", "Limit", "Age");
            JsonNode cells = quotaTable.get("rows").get(0).get("cells");
            assertThat(cells.get(1).asText()).isEqualTo("requests.cpu: 500m/2");
            assertThat(cells.get(2).asText()).isEqualTo("limits.memory: 1Gi/2Gi");
            assertThatThrownBy(() -> client.resourceQuotas().inNamespace("default").resource(new ResourceQuotaBuilder().withNewMetadata()
                    .withName("bad").endMetadata().withNewSpec().withHard(Map.of("pods", new Quantity("-1"))).endSpec().build()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));

            var limits = client.limitRanges().inNamespace("default").resource(new LimitRangeBuilder().withNewMetadata().withName("defaults")
                    .endMetadata().withNewSpec().addNewLimit().withType("Container").withMax(Map.of("cpu", new Quantity("1"))).endLimit()
                    .endSpec().build()).create();
            assertThat(limits.getSpec().getLimits().getFirst().getDefaultRequest()).containsEntry("cpu", new Quantity("1"));
            assertThat(columns(get(client, "/api/v1/namespaces/default/limitranges", TABLE))).containsExactly("Name", "Created At");

            client.storage().v1().csiDrivers().resource(new CSIDriverBuilder().withNewMetadata().withName("csi.example.com").endMetadata()
                    .build()).create();
            assertThat(client.storage().v1().csiDrivers().withName("csi.example.com").get().getSpec().getAttachRequired()).isTrue();
            VolumeAttachment va = client.storage().v1().volumeAttachments().resource(new VolumeAttachmentBuilder().withNewMetadata()
                    .withName("va1").endMetadata().withNewSpec().withAttacher("csi.example.com").withNodeName("node-1").withNewSource()
                    .withPersistentVolumeName("pv1").endSource().endSpec().build()).create();
            assertThat(va.getStatus().getAttached()).isFalse();
            va.getStatus().setAttached(true);
            assertThat(client.storage().v1().volumeAttachments().resource(va).updateStatus().getStatus().getAttached()).isTrue();
            JsonNode vaCells = get(client, "/apis/storage.k8s.io/v1/volumeattachments", TABLE).get("rows").get(0).get("cells");
            assertThat(vaCells.get(1).asText()).isEqualTo("csi.example.com");
            assertThat(vaCells.get(4).asBoolean()).isTrue();

            assertThat(client.getApiResources("storage.k8s.io/v1").getResources()).extracting(APIResource::getName)
                    .contains("storageclasses", "csidrivers", "csinodes", "volumeattachments", "volumeattachments/status");
        }
    }
}
