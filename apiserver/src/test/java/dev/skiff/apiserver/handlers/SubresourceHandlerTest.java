package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.errors.ApiException;
import dev.skiff.api.resource.ResourceRegistry;
import dev.skiff.apiserver.bootstrap.SystemNamespaces;
import dev.skiff.apiserver.handlers.ResourceHandlerTest.Captured;
import dev.skiff.registry.core.event.EventStrategy;
import dev.skiff.registry.core.namespace.NamespaceStrategy;
import dev.skiff.registry.core.node.NodeStrategy;
import dev.skiff.registry.core.pod.BindingRest;
import dev.skiff.registry.core.pod.EvictionRest;
import dev.skiff.registry.policy.poddisruptionbudget.PodDisruptionBudgetStrategy;
import dev.skiff.registry.core.pod.PodStrategy;
import dev.skiff.registry.core.podtemplate.PodTemplateStrategy;
import dev.skiff.registry.core.replicationcontroller.ReplicationControllerStrategy;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.Store;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status, scale, finalize, binding and eviction subresources over HTTP, on real registries and the embedded engine. */
class SubresourceHandlerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final String POD = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},"
            + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\"}]}}";
    private static final String RC = "{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"name\":\"rc\"},"
            + "\"spec\":{\"replicas\":2,\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}";

    @TempDir
    Path dir;
    Store store;
    ResourceHandler handler;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir));
        var builtIn = ResourceRegistry.builtIn();
        var namespaces = new GenericRegistry<>(store, NamespaceStrategy.RESOURCE, new NamespaceStrategy(), CLOCK, new Random(1));
        var pods = new GenericRegistry<>(store, PodStrategy.RESOURCE, new PodStrategy(), CLOCK, new Random(2));
        var rcs = new GenericRegistry<>(store, ReplicationControllerStrategy.RESOURCE, new ReplicationControllerStrategy(), CLOCK,
                new Random(3));
        handler = new ResourceHandler(List.of(
                ServedResource.of(builtIn.find("", "v1", "namespaces").orElseThrow(), Namespace.class, namespaces, CLOCK),
                ServedResource.of(builtIn.find("", "v1", "pods").orElseThrow(), Pod.class, pods, CLOCK)
                        .withCreate("binding", SubresourceCreate.acting(Binding.class, new BindingRest(pods, CLOCK)::bind))
                        .withCreate("eviction", SubresourceCreate.acting(Eviction.class, new EvictionRest(pods,
                                new GenericRegistry<>(store, PodDisruptionBudgetStrategy.RESOURCE, new PodDisruptionBudgetStrategy(), CLOCK,
                                        new Random(7)), CLOCK)::evict)),
                ServedResource.of(builtIn.find("", "v1", "replicationcontrollers").orElseThrow(), ReplicationController.class, rcs,
                        CLOCK),
                ServedResource.of(builtIn.find("", "v1", "nodes").orElseThrow(), Node.class,
                        new GenericRegistry<>(store, NodeStrategy.RESOURCE, new NodeStrategy(), CLOCK, new Random(4)), CLOCK),
                ServedResource.of(builtIn.find("", "v1", "events").orElseThrow(), Event.class,
                        new GenericRegistry<>(store, EventStrategy.RESOURCE, new EventStrategy(), CLOCK, new Random(5)), CLOCK),
                ServedResource.of(builtIn.find("", "v1", "podtemplates").orElseThrow(), PodTemplate.class,
                        new GenericRegistry<>(store, PodTemplateStrategy.RESOURCE, new PodTemplateStrategy(), CLOCK, new Random(6)), CLOCK)),
                builtIn.groupVersions());
        SystemNamespaces.ensure(namespaces);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    @Test
    void discoveryListsTheSubresourcesThatWorkAndNotTheAgentOnes() throws Exception {
        var resources = call("GET", "/api/v1", "", null).json().get("resources");
        List<String> names = new ArrayList<>();
        resources.forEach(r -> names.add(r.get("name").asText()));
        assertThat(names).contains("pods", "pods/status", "pods/binding", "pods/eviction", "replicationcontrollers/scale",
                "replicationcontrollers/status", "namespaces/status", "namespaces/finalize");
        assertThat(names).doesNotContain("pods/log", "pods/exec", "pods/attach", "pods/portforward", "pods/proxy");
        JsonNode scale = null;
        for (JsonNode r : resources) {
            if (r.get("name").asText().equals("replicationcontrollers/scale")) {
                scale = r;
            }
        }
        assertThat(scale.get("group").asText()).isEqualTo("autoscaling");
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
    }

    @Test
    void statusUpdateChangesOnlyStatusAndMainUpdateKeepsStatus() throws Exception {
        var created = call("POST", "/api/v1/namespaces/default/pods", "", POD);
        assertThat(created.code).isEqualTo(201);
        assertThat(created.json().at("/status/phase").asText()).isEqualTo("Pending");

        // the status PUT carries a changed spec and label: only the status is taken (the label too: upstream's pod status strategy keeps metadata)
        String statusBody = POD.replace("busybox:1.36", "busybox:9")
                .replace("\"spec\"", "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.42.0.5\",\"podIPs\":[{\"ip\":\"10.42.0.5\"}]},\"spec\"");
        var status = call("PUT", "/api/v1/namespaces/default/pods/web/status", "", statusBody);
        assertThat(status.code).isEqualTo(200);
        assertThat(status.json().at("/status/phase").asText()).isEqualTo("Running");
        assertThat(status.json().at("/spec/containers/0/image").asText()).isEqualTo("busybox:1.36");

        // a main update (of the object as read, as kubectl edit sends it) with another status keeps the stored one
        var edited = (com.fasterxml.jackson.databind.node.ObjectNode) status.json();
        ((com.fasterxml.jackson.databind.node.ObjectNode) edited.at("/spec/containers/0")).put("image", "busybox:1.37");
        ((com.fasterxml.jackson.databind.node.ObjectNode) edited.get("status")).put("phase", "Failed");
        var update = call("PUT", "/api/v1/namespaces/default/pods/web", "", edited.toString());
        assertThat(update.code).isEqualTo(200);
        assertThat(update.json().at("/status/phase").asText()).isEqualTo("Running");
        assertThat(update.json().at("/spec/containers/0/image").asText()).isEqualTo("busybox:1.37");

        // merge patch on /status
        var patched = call("PATCH", "/api/v1/namespaces/default/pods/web/status", "", "{\"status\":{\"phase\":\"Succeeded\"}}",
                Map.of("content-type", "application/merge-patch+json"));
        assertThat(patched.json().at("/status/phase").asText()).isEqualTo("Succeeded");
        assertThat(call("GET", "/api/v1/namespaces/default/pods/web/status", "", null).json().at("/status/phase").asText())
                .isEqualTo("Succeeded");

        assertThatThrownBy(() -> call("PUT", "/api/v1/namespaces/default/pods/web/status", "",
                POD.replace("\"spec\"", "\"status\":{\"podIPs\":[{\"ip\":\"nope\"}]},\"spec\"")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Pod \"web\" is invalid: status.podIPs[0].ip: Invalid value: \"nope\": must be a valid IP address"));
    }

    @Test
    void bindingSetsNodeAndScheduledConditionOnceThenConflicts() throws Exception {
        call("POST", "/api/v1/namespaces/default/pods", "", POD);
        String binding = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"web\"},\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}";
        var bound = call("POST", "/api/v1/namespaces/default/pods/web/binding", "", binding);
        assertThat(bound.code).isEqualTo(201);
        assertThat(bound.json().get("status").asText()).isEqualTo("Success");
        JsonNode pod = call("GET", "/api/v1/namespaces/default/pods/web", "", null).json();
        assertThat(pod.at("/spec/nodeName").asText()).isEqualTo("n1");
        assertThat(pod.at("/status/conditions/0/type").asText()).isEqualTo("PodScheduled");
        assertThat(pod.at("/status/conditions/0/status").asText()).isEqualTo("True");

        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/pods/web/binding", "", binding.replace("n1", "n2")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo(
                            "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"n1\"");
                });
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/pods/web/binding", "",
                binding.replace(",\"name\":\"n1\"", "")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Binding \"web\" is invalid: target.name: Required value"));
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/pods/web/binding", "",
                binding.replace("\"name\":\"web\"", "\"name\":\"other\"")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
        assertThat(call("GET", "/api/v1/namespaces/default/pods", "fieldSelector=spec.nodeName%3Dn1", null).json()
                .get("items").size()).isEqualTo(1);
    }

    @Test
    void evictionDeletesThePodAndHonoursDryRun() throws Exception {
        call("POST", "/api/v1/namespaces/default/pods", "", POD);
        String eviction = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"web\"}}";
        assertThat(call("POST", "/api/v1/namespaces/default/pods/web/eviction", "dryRun=All", eviction).code).isEqualTo(201);
        assertThat(call("GET", "/api/v1/namespaces/default/pods/web", "", null).code).isEqualTo(200);
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/pods/web/eviction", "",
                eviction.replace("\"metadata\"", "\"deleteOptions\":{\"preconditions\":{\"uid\":\"x\"}},\"metadata\"")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(409));
        assertThat(call("POST", "/api/v1/namespaces/default/pods/web/eviction", "", eviction).code).isEqualTo(201);
        assertThatThrownBy(() -> call("GET", "/api/v1/namespaces/default/pods/web", "", null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/default/pods/web/eviction", "",
                eviction.replace("policy/v1", "v1")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void scaleGetUpdatePatchMapOntoReplicas() throws Exception {
        assertThat(call("POST", "/api/v1/namespaces/default/replicationcontrollers", "", RC).code).isEqualTo(201);
        JsonNode scale = call("GET", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", "", null).json();
        assertThat(scale.get("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
        assertThat(scale.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(scale.at("/status/replicas").asInt()).isEqualTo(0);
        assertThat(scale.at("/status/selector").asText()).isEqualTo("app=web");

        var put = call("PUT", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", "",
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"rc\"},\"spec\":{\"replicas\":5}}");
        assertThat(put.json().at("/spec/replicas").asInt()).isEqualTo(5);
        JsonNode rc = call("GET", "/api/v1/namespaces/default/replicationcontrollers/rc", "", null).json();
        assertThat(rc.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(rc.at("/metadata/generation").asInt()).isEqualTo(2);

        var patched = call("PATCH", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", "", "{\"spec\":{\"replicas\":3}}",
                Map.of("content-type", "application/merge-patch+json"));
        assertThat(patched.json().at("/spec/replicas").asInt()).isEqualTo(3);

        assertThatThrownBy(() -> call("PUT", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", "",
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"rc\"},\"spec\":{\"replicas\":-1}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.getMessage()).isEqualTo(
                            "Scale.autoscaling \"rc\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
                });
        assertThatThrownBy(() -> call("PUT", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", "",
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"rc\",\"resourceVersion\":\"1\"},"
                        + "\"spec\":{\"replicas\":1}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(409));
        assertThatThrownBy(() -> call("GET", "/api/v1/namespaces/default/pods/web/scale", "", null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(404));
    }

    @Test
    void namespaceFinalizeChangesOnlySpecFinalizers() throws Exception {
        call("POST", "/api/v1/namespaces", "", "{\"metadata\":{\"name\":\"team\"}}");
        var finalized = call("PUT", "/api/v1/namespaces/team/finalize", "",
                "{\"metadata\":{\"name\":\"team\",\"labels\":{\"x\":\"y\"}},\"spec\":{\"finalizers\":[]},\"status\":{\"phase\":\"Terminating\"}}");
        assertThat(finalized.code).isEqualTo(200);
        assertThat(finalized.json().at("/spec/finalizers").size()).isZero();
        assertThat(finalized.json().at("/status/phase").asText()).isEqualTo("Active");
        assertThat(finalized.json().at("/metadata/labels/x").isMissingNode()).isTrue();
        assertThatThrownBy(() -> call("GET", "/api/v1/namespaces/team/finalize", "", null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(405));
    }

    @Test
    void podTableComputesStatusAndWideColumns() throws Exception {
        call("POST", "/api/v1/namespaces/default/pods", "", POD);
        call("PUT", "/api/v1/namespaces/default/pods/web/status", "", POD.replace("\"spec\"",
                "\"status\":{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.42.0.5\"}],\"containerStatuses\":[{\"name\":\"c\","
                        + "\"image\":\"busybox:1.36\",\"imageID\":\"\",\"ready\":false,\"restartCount\":4,"
                        + "\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":\"2025-12-31T23:55:00Z\"}},"
                        + "\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]},\"spec\""));
        var table = call("GET", "/api/v1/namespaces/default/pods", "", null, Map.of("accept", ResourceHandler.TABLE)).json();
        List<String> columns = new ArrayList<>();
        table.get("columnDefinitions").forEach(c -> columns.add(c.get("name").asText() + ":" + c.get("priority").asInt()));
        assertThat(columns).containsExactly("Name:0", "Ready:0", "Status:0", "Restarts:0", "Age:0", "IP:1", "Node:1",
                "Nominated Node:1", "Readiness Gates:1");
        List<String> cells = new ArrayList<>();
        table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
        assertThat(cells).containsExactly("web", "0/1", "CrashLoopBackOff", "4 (5m ago)", "0s", "10.42.0.5", "<none>", "<none>", "<none>");
    }

    @Test
    void nodeStatusIsSplitAndTheTableReadsConditionsRolesAndSystemInfo() throws Exception {
        String node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":"
                + "{\"node-role.kubernetes.io/control-plane\":\"\"}},\"spec\":{\"unschedulable\":true},\"status\":{"
                + "\"capacity\":{\"cpu\":\"2\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
                + "\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1.33.0\","
                + "\"osImage\":\"Debian\",\"kernelVersion\":\"6.1\",\"containerRuntimeVersion\":\"containerd://1.7\","
                + "\"architecture\":\"amd64\",\"bootID\":\"\",\"kubeProxyVersion\":\"\",\"machineID\":\"\",\"operatingSystem\":\"linux\","
                + "\"systemUUID\":\"\"}}}";
        var created = call("POST", "/api/v1/nodes", "", node).json();
        assertThat(created.at("/status/allocatable/cpu").asText()).isEqualTo("2");
        var table = call("GET", "/api/v1/nodes", "", null, Map.of("accept", ResourceHandler.TABLE)).json();
        List<String> cells = new ArrayList<>();
        table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
        assertThat(cells).containsExactly("n1", "Ready,SchedulingDisabled", "control-plane", "0s", "v1.33.0", "10.0.0.1", "<none>",
                "Debian", "6.1", "containerd://1.7");
        // a main update cannot change the status, nodes/status cannot change the spec
        var status = call("PATCH", "/api/v1/nodes/n1/status", "", "{\"spec\":{\"unschedulable\":false},\"status\":{\"conditions\":"
                + "[{\"type\":\"Ready\",\"status\":\"False\"}]}}", Map.of("content-type", "application/merge-patch+json")).json();
        assertThat(status.at("/spec/unschedulable").asBoolean()).isTrue();
        var main = call("PATCH", "/api/v1/nodes/n1", "", "{\"spec\":{\"unschedulable\":false},\"status\":{\"conditions\":"
                + "[{\"type\":\"Ready\",\"status\":\"True\"}]}}", Map.of("content-type", "application/merge-patch+json")).json();
        assertThat(main.at("/spec/unschedulable").asBoolean()).isFalse();
        assertThat(main.at("/status/conditions/0/status").asText()).isEqualTo("False");
        assertThatThrownBy(() -> call("PATCH", "/api/v1/nodes/n1", "", "{\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"Sometimes\"}]}}",
                Map.of("content-type", "application/merge-patch+json"))).isInstanceOfSatisfying(ApiException.class, e ->
                assertThat(e.getMessage()).isEqualTo("Node \"n1\" is invalid: spec.taints[0].effect: Unsupported value: \"Sometimes\": "
                        + "supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""));
    }

    @Test
    void eventsMustMatchTheirObjectsNamespaceAndPrintAsKubectlDoes() throws Exception {
        String event = "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"web.1\"},\"involvedObject\":{\"kind\":\"Pod\","
                + "\"name\":\"web\",\"namespace\":\"default\"},\"reason\":\"Scheduled\",\"message\":\"assigned default/web to n1\","
                + "\"type\":\"Normal\",\"count\":3,\"firstTimestamp\":\"2025-12-31T23:50:00Z\",\"lastTimestamp\":\"2025-12-31T23:58:00Z\","
                + "\"source\":{\"component\":\"default-scheduler\"}}";
        assertThat(call("POST", "/api/v1/namespaces/default/events", "", event).code).isEqualTo(201);
        var table = call("GET", "/api/v1/namespaces/default/events", "", null, Map.of("accept", ResourceHandler.TABLE)).json();
        List<String> cells = new ArrayList<>();
        table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
        assertThat(cells).containsExactly("2m (x3 over 8m)", "Normal", "Scheduled", "pod/web", "", "default-scheduler",
                "assigned default/web to n1", "10m", "3", "web.1");
        assertThat(call("GET", "/api/v1/events", "fieldSelector=involvedObject.name%3Dweb,reason%3DScheduled", null).json()
                .get("items").size()).isEqualTo(1);
        assertThatThrownBy(() -> call("POST", "/api/v1/namespaces/kube-system/events", "", event.replace("web.1", "web.2")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Event \"web.2\" is invalid: involvedObject.namespace: Invalid value: \"default\": does not match event.namespace"));
    }

    @Test
    void podTemplateTable() throws Exception {
        call("POST", "/api/v1/namespaces/default/podtemplates", "", "{\"apiVersion\":\"v1\",\"kind\":\"PodTemplate\","
                + "\"metadata\":{\"name\":\"t\"},\"template\":{\"metadata\":{\"labels\":{\"b\":\"2\",\"a\":\"1\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"},{\"name\":\"d\",\"image\":\"pause\"}]}}}");
        var table = call("GET", "/api/v1/namespaces/default/podtemplates", "", null, Map.of("accept", ResourceHandler.TABLE)).json();
        List<String> cells = new ArrayList<>();
        table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
        assertThat(cells).containsExactly("t", "c,d", "busybox,pause", "a=1,b=2");
    }

    private Captured call(String method, String path, String rawQuery, String body) throws Exception {
        return call(method, path, rawQuery, body, Map.of());
    }

    private Captured call(String method, String path, String rawQuery, String body, Map<String, String> headers) throws Exception {
        var response = new Captured();
        handler.handle(ResourceHandlerTest.request(method, path, rawQuery, body, headers), response);
        return response;
    }
}
