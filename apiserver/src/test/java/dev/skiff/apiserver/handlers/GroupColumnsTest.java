package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupColumnsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T01:00:00Z"), ZoneOffset.UTC);
    private static final String CREATED = "2026-01-01T00:00:00Z";

    private static List<String> names(String kind, boolean wide) {
        JsonNode table = TableConvertor.forKind(kind, CLOCK).table(List.of(), null, null, null, "None", true);
        List<String> names = new ArrayList<>();
        table.get("columnDefinitions").forEach(c -> {
            if (wide || c.get("priority").asInt() == 0) {
                names.add(c.get("name").asText());
            }
        });
        return names;
    }

    private static List<String> cells(String kind, HasMetadata object) {
        JsonNode table = TableConvertor.forKind(kind, CLOCK).table(List.of(object), null, null, null, "None", true);
        List<String> cells = new ArrayList<>();
        table.get("rows").get(0).get("cells").forEach(c -> cells.add(c.asText()));
        return cells;
    }

    @Test
    void columnsAreUpstreamsWithWideOnesAtPriorityOne() {
        assertThat(names("Deployment", false)).containsExactly("Name", "Ready", "Up-to-date", "Available", "Age");
        assertThat(names("Deployment", true)).containsExactly("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector");
        assertThat(names("ReplicaSet", false)).containsExactly("Name", "Desired", "Current", "Ready", "Age");
        assertThat(names("StatefulSet", false)).containsExactly("Name", "Ready", "Age");
        assertThat(names("DaemonSet", false)).containsExactly("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age");
        assertThat(names("Job", false)).containsExactly("Name", "Status", "Completions", "Duration", "Age");
        assertThat(names("CronJob", false)).containsExactly("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age");
        assertThat(names("StorageClass", false)).containsExactly("Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age");
        assertThat(names("RoleBinding", true)).containsExactly("Name", "Role", "Age", "Users", "Groups", "ServiceAccounts");
    }

    @Test
    void cellsAreComputedAsUpstreamPrintsThem() {
        var deployment = new DeploymentBuilder().withNewMetadata().withName("web").withCreationTimestamp(CREATED).endMetadata()
                .withNewSpec().withReplicas(3).withSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build())
                .withNewTemplate().withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().endTemplate()
                .endSpec().withNewStatus().withReadyReplicas(2).withUpdatedReplicas(3).withAvailableReplicas(2).endStatus().build();
        assertThat(cells("Deployment", deployment)).containsExactly("web", "2/3", "3", "2", "60m", "c", "nginx", "app=web");

        var job = new JobBuilder().withNewMetadata().withName("pi").withCreationTimestamp(CREATED).endMetadata().withNewSpec()
                .withParallelism(3).withNewTemplate().withNewSpec().endSpec().endTemplate().endSpec().withNewStatus().withSucceeded(1)
                .withStartTime("2026-01-01T00:00:00Z").withCompletionTime("2026-01-01T00:00:42Z")
                .addNewCondition().withType("Complete").withStatus("True").endCondition().endStatus().build();
        assertThat(cells("Job", job).subList(0, 5)).containsExactly("pi", "Complete", "1/1 of 3", "42s", "60m");

        var cron = new CronJobBuilder().withNewMetadata().withName("tick").withCreationTimestamp(CREATED).endMetadata().withNewSpec()
                .withSchedule("@hourly").withSuspend(true).endSpec().withNewStatus().withLastScheduleTime("2026-01-01T00:59:00Z").endStatus().build();
        assertThat(cells("CronJob", cron).subList(0, 7)).containsExactly("tick", "@hourly", "<none>", "True", "0", "60s", "60m");

        var ds = new DaemonSetBuilder().withNewMetadata().withName("d").withCreationTimestamp(CREATED).endMetadata().withNewSpec()
                .withNewTemplate().withNewSpec().withNodeSelector(Map.of("b", "2", "a", "1")).endSpec().endTemplate().endSpec().build();
        assertThat(cells("DaemonSet", ds).get(6)).isEqualTo("a=1,b=2");

        var sc = new StorageClassBuilder().withNewMetadata().withName("fast").withCreationTimestamp(CREATED)
                .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true")).endMetadata()
                .withProvisioner("example.com/disk").withReclaimPolicy("Delete").withVolumeBindingMode("Immediate").build();
        assertThat(cells("StorageClass", sc)).containsExactly("fast (default)", "example.com/disk", "Delete", "Immediate", "false", "60m");
    }
}
