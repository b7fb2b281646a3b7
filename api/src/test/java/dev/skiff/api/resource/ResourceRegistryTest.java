package dev.skiff.api.resource;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ResourceRegistryTest {
    private final ResourceRegistry registry = ResourceRegistry.builtIn();

    private ResourceInfo get(String group, String version, String resource) {
        return registry.find(group, version, resource).orElseThrow(() -> new AssertionError(group + "/" + version + "/" + resource));
    }

    @Test
    void servesEveryResourceOfTheBrief() {
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("v1", List.of("namespaces", "pods", "services", "endpoints", "configmaps", "secrets", "nodes", "events",
                        "serviceaccounts", "replicationcontrollers", "persistentvolumes", "persistentvolumeclaims",
                        "resourcequotas", "limitranges", "podtemplates")),
                Map.entry("apps/v1", List.of("deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions")),
                Map.entry("batch/v1", List.of("jobs", "cronjobs")),
                Map.entry("autoscaling/v1", List.of("horizontalpodautoscalers")),
                Map.entry("autoscaling/v2", List.of("horizontalpodautoscalers")),
                Map.entry("coordination.k8s.io/v1", List.of("leases")),
                Map.entry("discovery.k8s.io/v1", List.of("endpointslices")),
                Map.entry("events.k8s.io/v1", List.of("events")),
                Map.entry("networking.k8s.io/v1", List.of("ingresses", "ingressclasses", "networkpolicies")),
                Map.entry("policy/v1", List.of("poddisruptionbudgets")),
                Map.entry("storage.k8s.io/v1", List.of("storageclasses", "csidrivers", "csinodes", "volumeattachments")),
                Map.entry("scheduling.k8s.io/v1", List.of("priorityclasses")),
                Map.entry("rbac.authorization.k8s.io/v1", List.of("roles", "rolebindings", "clusterroles", "clusterrolebindings")),
                Map.entry("authorization.k8s.io/v1", List.of("selfsubjectaccessreviews", "subjectaccessreviews")),
                Map.entry("authentication.k8s.io/v1", List.of("tokenreviews", "selfsubjectreviews")),
                Map.entry("authentication.k8s.io/v1beta1", List.of("selfsubjectreviews")),
                Map.entry("metrics.k8s.io/v1beta1", List.of("nodes", "pods")),
                Map.entry("apiregistration.k8s.io/v1", List.of("apiservices")));
        Map<String, List<String>> served = registry.all().stream().collect(Collectors.groupingBy(ResourceInfo::apiVersion,
                Collectors.mapping(ResourceInfo::resource, Collectors.toList())));
        assertThat(served.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((gv, resources) -> assertThat(served.get(gv)).as(gv).containsExactlyInAnyOrderElementsOf(resources));
    }

    @Test
    void shortNamesAreUpstreams() {
        Map<String, String> shortNames = Map.ofEntries(
                Map.entry("po", "pods"), Map.entry("svc", "services"), Map.entry("deploy", "deployments"),
                Map.entry("rs", "replicasets"), Map.entry("sts", "statefulsets"), Map.entry("ds", "daemonsets"),
                Map.entry("cm", "configmaps"), Map.entry("ns", "namespaces"), Map.entry("no", "nodes"),
                Map.entry("pvc", "persistentvolumeclaims"), Map.entry("pv", "persistentvolumes"),
                Map.entry("sa", "serviceaccounts"), Map.entry("rc", "replicationcontrollers"), Map.entry("ep", "endpoints"),
                Map.entry("ev", "events"), Map.entry("hpa", "horizontalpodautoscalers"), Map.entry("cj", "cronjobs"),
                Map.entry("ing", "ingresses"), Map.entry("netpol", "networkpolicies"), Map.entry("pdb", "poddisruptionbudgets"),
                Map.entry("sc", "storageclasses"), Map.entry("pc", "priorityclasses"), Map.entry("limits", "limitranges"),
                Map.entry("quota", "resourcequotas"));
        shortNames.forEach((shortName, resource) ->
                assertThat(registry.resolve(shortName)).as(shortName).hasValueSatisfying(r -> assertThat(r.resource()).isEqualTo(resource)));
        assertThat(get("", "v1", "secrets").shortNames()).isEmpty();
        assertThat(get("batch", "v1", "jobs").shortNames()).isEmpty();
        assertThat(get("coordination.k8s.io", "v1", "leases").shortNames()).isEmpty();
    }

    @Test
    void categoryAllHoldsTheWorkloadResourcesOnly() {
        assertThat(registry.category("all")).extracting(ResourceInfo::groupResource).containsExactlyInAnyOrder(
                "pods", "services", "replicationcontrollers", "deployments.apps", "replicasets.apps", "statefulsets.apps",
                "daemonsets.apps", "jobs.batch", "cronjobs.batch", "horizontalpodautoscalers.autoscaling");
        // the preferred version stands for the group
        assertThat(registry.category("all")).filteredOn(r -> r.group().equals("autoscaling"))
                .extracting(ResourceInfo::version).containsExactly("v2");
    }

    @Test
    void scopeIsUpstreams() {
        List<String> clusterScoped = registry.all().stream().filter(r -> !r.namespaced()).map(ResourceInfo::groupResource).toList();
        assertThat(clusterScoped).containsExactlyInAnyOrder("namespaces", "nodes", "persistentvolumes",
                "selfsubjectreviews.authentication.k8s.io", "selfsubjectreviews.authentication.k8s.io",
                "tokenreviews.authentication.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io",
                "subjectaccessreviews.authorization.k8s.io", "ingressclasses.networking.k8s.io",
                "clusterrolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
                "storageclasses.storage.k8s.io", "csidrivers.storage.k8s.io", "csinodes.storage.k8s.io",
                "volumeattachments.storage.k8s.io", "priorityclasses.scheduling.k8s.io", "nodes.metrics.k8s.io",
                "apiservices.apiregistration.k8s.io");
    }

    @Test
    void storagePrefixesFollowUpstreamsExceptions() {
        assertThat(get("", "v1", "services").storagePrefix()).isEqualTo("/registry/services/specs");
        assertThat(get("", "v1", "endpoints").storagePrefix()).isEqualTo("/registry/services/endpoints");
        assertThat(get("", "v1", "nodes").storagePrefix()).isEqualTo("/registry/minions");
        assertThat(get("", "v1", "replicationcontrollers").storagePrefix()).isEqualTo("/registry/controllers");
        assertThat(get("networking.k8s.io", "v1", "ingresses").storagePrefix()).isEqualTo("/registry/ingress");
        assertThat(get("events.k8s.io", "v1", "events").storagePrefix()).isEqualTo(get("", "v1", "events").storagePrefix());
        assertThat(get("autoscaling", "v1", "horizontalpodautoscalers").storagePrefix())
                .isEqualTo(get("autoscaling", "v2", "horizontalpodautoscalers").storagePrefix());
        assertThat(get("apps", "v1", "deployments").storagePrefix()).isEqualTo("/registry/deployments");
        assertThat(get("", "v1", "pods").storageKey("default", "web")).isEqualTo("/registry/pods/default/web");
        assertThat(get("", "v1", "nodes").storageKey(null, "n1")).isEqualTo("/registry/minions/n1");
        assertThat(get("", "v1", "pods").storageListPrefix("default")).isEqualTo("/registry/pods/default/");
        assertThat(get("", "v1", "pods").storageListPrefix(null)).isEqualTo("/registry/pods/");
    }

    @Test
    void reviewsAreCreateOnlyAndNeverStored() {
        for (String resource : List.of("tokenreviews", "selfsubjectreviews")) {
            ResourceInfo r = get("authentication.k8s.io", "v1", resource);
            assertThat(r.verbs()).containsExactly("create");
            assertThat(r.stored()).isFalse();
            assertThat(r.listType()).isNull();
        }
        assertThat(get("authorization.k8s.io", "v1", "selfsubjectaccessreviews").verbs()).containsExactly("create");
    }

    @Test
    void namespacesCannotBeDeletedAsACollection() {
        assertThat(get("", "v1", "namespaces").supports("deletecollection")).isFalse();
        assertThat(get("", "v1", "pods").verbs()).isEqualTo(ResourceInfo.ALL_VERBS);
    }

    @Test
    void subresourcesAreUpstreams() {
        assertThat(get("", "v1", "pods").subresources()).extracting(Subresource::name).containsExactlyInAnyOrder(
                "status", "attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy", "resize");
        for (String r : List.of("deployments", "replicasets", "statefulsets")) {
            assertThat(get("apps", "v1", r).subresources()).extracting(Subresource::name).containsExactlyInAnyOrder("scale", "status");
        }
        assertThat(get("", "v1", "replicationcontrollers").subresource("scale")).hasValueSatisfying(s -> {
            assertThat(s.group()).isEqualTo("autoscaling");
            assertThat(s.kind()).isEqualTo("Scale");
        });
        assertThat(get("apps", "v1", "daemonsets").subresources()).extracting(Subresource::name).containsExactly("status");
        assertThat(get("", "v1", "pods").subresource("eviction")).hasValueSatisfying(s -> assertThat(s.group()).isEqualTo("policy"));
        assertThat(get("", "v1", "serviceaccounts").subresource("token")).isPresent();
        assertThat(get("", "v1", "configmaps").subresources()).isEmpty();
    }

    @Test
    void eachResourceNamesItsFabric8Classes() throws Exception {
        ResourceInfo pods = get("", "v1", "pods");
        assertThat(pods.type()).isEqualTo(Pod.class);
        assertThat(pods.listType()).isEqualTo(PodList.class);
        assertThat(get("apps", "v1", "deployments").type()).isEqualTo(Deployment.class);
        // the class's own apiVersion and kind agree with the registry entry
        for (ResourceInfo r : registry.all()) {
            if (r.group().equals("authentication.k8s.io") && r.version().equals("v1beta1")) {
                continue; // fabric8 has no v1beta1 SelfSubjectReview; the v1 class has the same fields
            }
            HasMetadata instance = r.type().getDeclaredConstructor().newInstance();
            assertThat(instance.getApiVersion()).as(r.groupResource() + " " + r.version()).isEqualTo(r.apiVersion());
            assertThat(instance.getKind()).as(r.groupResource()).isEqualTo(r.kind());
        }
    }

    @Test
    void groupVersionsComeInUpstreamsDiscoveryOrder() {
        assertThat(registry.groupVersions()).extracting(GroupVersion::apiVersion).containsExactly(
                "v1", "apiregistration.k8s.io/v1", "apps/v1", "events.k8s.io/v1", "authentication.k8s.io/v1", "authentication.k8s.io/v1beta1",
                "authorization.k8s.io/v1",
                "autoscaling/v2", "autoscaling/v1", "batch/v1", "networking.k8s.io/v1", "policy/v1",
                "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "scheduling.k8s.io/v1", "coordination.k8s.io/v1",
                "discovery.k8s.io/v1", "metrics.k8s.io/v1beta1");
        assertThat(registry.preferredVersion("autoscaling")).contains(new GroupVersion("autoscaling", "v2"));
        assertThat(registry.groups()).first().isEqualTo("apiregistration.k8s.io");
    }

    @Test
    void findsByKindAtThePreferredVersion() {
        assertThat(registry.findByKind("autoscaling", "HorizontalPodAutoscaler")).hasValueSatisfying(r -> assertThat(r.version()).isEqualTo("v2"));
        assertThat(registry.findByKind("autoscaling", "v1", "HorizontalPodAutoscaler")).isPresent();
        assertThat(registry.findByKind("", "Event")).hasValueSatisfying(r -> assertThat(r.group()).isEmpty());
        assertThat(registry.findByKind("apps", "Pod")).isEmpty();
    }

    @Test
    void resolvesSingularPluralAndGroupQualifiedNames() {
        assertThat(registry.resolve("Pod")).hasValueSatisfying(r -> assertThat(r.resource()).isEqualTo("pods"));
        assertThat(registry.resolve("deployment")).hasValueSatisfying(r -> assertThat(r.group()).isEqualTo("apps"));
        assertThat(registry.resolve("events")).hasValueSatisfying(r -> assertThat(r.group()).isEmpty());
        assertThat(registry.resolve("events.events.k8s.io")).hasValueSatisfying(r -> assertThat(r.group()).isEqualTo("events.k8s.io"));
        assertThat(registry.resolve("deploy.apps")).hasValueSatisfying(r -> assertThat(r.resource()).isEqualTo("deployments"));
        assertThat(registry.resolve("nosuch")).isEmpty();
    }
}
