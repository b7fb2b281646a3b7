package dev.skiff.api.resource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsList;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceList;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimList;
import io.fabric8.kubernetes.api.model.PersistentVolumeList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateList;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerList;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaList;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretList;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountList;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionList;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetList;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetList;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobList;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseList;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceList;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassList;
import io.fabric8.kubernetes.api.model.networking.v1.IngressList;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetList;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingList;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleList;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingList;
import io.fabric8.kubernetes.api.model.rbac.RoleList;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassList;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.CSIDriverList;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.CSINodeList;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassList;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentList;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The built-in resources kube-apiserver v1.33 serves that skiff serves too, written out once.
 * Sources: each resource's REST storage (ShortNames, Categories, the verbs its storage
 * implements), pkg/controlplane's storage providers (subresources) and upstream's default etcd
 * resource prefixes (services/specs, services/endpoints, minions, controllers, ingress).
 */
final class BuiltInResources {
    private static final Set<String> ALL = ResourceInfo.ALL_VERBS;
    private static final Set<String> NO_DELETE_COLLECTION = Set.of("create", "delete", "get", "list", "patch", "update", "watch");
    private static final Set<String> CREATE = Set.of("create");
    private static final Set<String> GET_LIST = Set.of("get", "list");
    private static final Set<String> GET_PATCH_UPDATE = Set.of("get", "patch", "update");
    private static final List<String> ALL_CATEGORY = List.of("all");

    private BuiltInResources() {
    }

    static List<ResourceInfo> list() {
        List<ResourceInfo> r = new ArrayList<>();
        // core/v1
        r.add(ns("", "v1", "Pod", "pods", List.of("po"), ALL_CATEGORY, ALL, Pod.class, PodList.class, "/registry/pods",
                status("Pod"),
                sub("attach", "PodAttachOptions", "create", "get"),
                sub("binding", "Binding", "create"),
                new Subresource("ephemeralcontainers", "", "v1", "Pod", GET_PATCH_UPDATE),
                new Subresource("eviction", "policy", "v1", "Eviction", CREATE),
                sub("exec", "PodExecOptions", "create", "get"),
                sub("log", "Pod", "get"),
                sub("portforward", "PodPortForwardOptions", "create", "get"),
                sub("proxy", "PodProxyOptions", "create", "delete", "get", "patch", "update"),
                new Subresource("resize", "", "v1", "Pod", GET_PATCH_UPDATE)));
        r.add(ns("", "v1", "Service", "services", List.of("svc"), ALL_CATEGORY, ALL, Service.class, ServiceList.class,
                "/registry/services/specs", status("Service"),
                sub("proxy", "ServiceProxyOptions", "create", "delete", "get", "patch", "update")));
        r.add(ns("", "v1", "Endpoints", "endpoints", List.of("ep"), List.of(), ALL, Endpoints.class, EndpointsList.class,
                "/registry/services/endpoints"));
        r.add(ns("", "v1", "ConfigMap", "configmaps", List.of("cm"), List.of(), ALL, ConfigMap.class, ConfigMapList.class,
                "/registry/configmaps"));
        r.add(ns("", "v1", "Secret", "secrets", List.of(), List.of(), ALL, Secret.class, SecretList.class, "/registry/secrets"));
        r.add(ns("", "v1", "Event", "events", List.of("ev"), List.of(), ALL, Event.class, EventList.class, "/registry/events"));
        r.add(ns("", "v1", "ServiceAccount", "serviceaccounts", List.of("sa"), List.of(), ALL, ServiceAccount.class,
                ServiceAccountList.class, "/registry/serviceaccounts",
                new Subresource("token", "authentication.k8s.io", "v1", "TokenRequest", CREATE)));
        r.add(ns("", "v1", "ReplicationController", "replicationcontrollers", List.of("rc"), ALL_CATEGORY, ALL,
                ReplicationController.class, ReplicationControllerList.class, "/registry/controllers",
                scale(), status("ReplicationController")));
        r.add(ns("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", List.of("pvc"), List.of(), ALL,
                PersistentVolumeClaim.class, PersistentVolumeClaimList.class, "/registry/persistentvolumeclaims",
                status("PersistentVolumeClaim")));
        r.add(ns("", "v1", "ResourceQuota", "resourcequotas", List.of("quota"), List.of(), ALL, ResourceQuota.class,
                ResourceQuotaList.class, "/registry/resourcequotas", status("ResourceQuota")));
        r.add(ns("", "v1", "LimitRange", "limitranges", List.of("limits"), List.of(), ALL, LimitRange.class,
                LimitRangeList.class, "/registry/limitranges"));
        r.add(ns("", "v1", "PodTemplate", "podtemplates", List.of(), List.of(), ALL, PodTemplate.class, PodTemplateList.class,
                "/registry/podtemplates"));
        r.add(cluster("", "v1", "Namespace", "namespaces", List.of("ns"), NO_DELETE_COLLECTION, Namespace.class,
                NamespaceList.class, "/registry/namespaces",
                new Subresource("finalize", "", "v1", "Namespace", Set.of("update")), status("Namespace")));
        r.add(cluster("", "v1", "Node", "nodes", List.of("no"), ALL, Node.class, NodeList.class, "/registry/minions",
                sub("proxy", "NodeProxyOptions", "create", "delete", "get", "patch", "update"), status("Node")));
        r.add(cluster("", "v1", "PersistentVolume", "persistentvolumes", List.of("pv"), ALL, PersistentVolume.class,
                PersistentVolumeList.class, "/registry/persistentvolumes", status("PersistentVolume")));
        // apps/v1
        r.add(ns("apps", "v1", "Deployment", "deployments", List.of("deploy"), ALL_CATEGORY, ALL, Deployment.class,
                DeploymentList.class, "/registry/deployments", scale(), status("Deployment")));
        r.add(ns("apps", "v1", "ReplicaSet", "replicasets", List.of("rs"), ALL_CATEGORY, ALL, ReplicaSet.class,
                ReplicaSetList.class, "/registry/replicasets", scale(), status("ReplicaSet")));
        r.add(ns("apps", "v1", "StatefulSet", "statefulsets", List.of("sts"), ALL_CATEGORY, ALL, StatefulSet.class,
                StatefulSetList.class, "/registry/statefulsets", scale(), status("StatefulSet")));
        r.add(ns("apps", "v1", "DaemonSet", "daemonsets", List.of("ds"), ALL_CATEGORY, ALL, DaemonSet.class,
                DaemonSetList.class, "/registry/daemonsets", status("DaemonSet")));
        r.add(ns("apps", "v1", "ControllerRevision", "controllerrevisions", List.of(), List.of(), ALL,
                ControllerRevision.class, ControllerRevisionList.class, "/registry/controllerrevisions"));
        // events.k8s.io/v1 shares the core events' storage
        r.add(ns("events.k8s.io", "v1", "Event", "events", List.of("ev"), List.of(), ALL,
                io.fabric8.kubernetes.api.model.events.v1.Event.class, io.fabric8.kubernetes.api.model.events.v1.EventList.class,
                "/registry/events"));
        // authentication.k8s.io/v1 and authorization.k8s.io/v1: create-only, never stored
        r.add(new ResourceInfo("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview",
                false, List.of(), List.of(), CREATE, List.of(), SelfSubjectReview.class, null, null));
        r.add(new ResourceInfo("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", "tokenreview",
                false, List.of(), List.of(), CREATE, List.of(), TokenReview.class, null, null));
        r.add(new ResourceInfo("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                "selfsubjectaccessreview", false, List.of(), List.of(), CREATE, List.of(), SelfSubjectAccessReview.class, null, null));
        r.add(new ResourceInfo("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews",
                "subjectaccessreview", false, List.of(), List.of(), CREATE, List.of(), SubjectAccessReview.class, null, null));
        // v1beta1 SelfSubjectReview, the version kubectl 1.27's `auth whoami` asks for; same fields as v1
        r.add(new ResourceInfo("authentication.k8s.io", "v1beta1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview",
                false, List.of(), List.of(), CREATE, List.of(), SelfSubjectReview.class, null, null));
        // autoscaling: v2 is preferred; both versions read and write the same objects
        r.add(ns("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", List.of("hpa"), ALL_CATEGORY, ALL,
                io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class,
                io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerList.class,
                "/registry/horizontalpodautoscalers", status("HorizontalPodAutoscaler")));
        r.add(ns("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", List.of("hpa"), ALL_CATEGORY, ALL,
                io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler.class,
                io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscalerList.class,
                "/registry/horizontalpodautoscalers", status("HorizontalPodAutoscaler")));
        // batch/v1
        r.add(ns("batch", "v1", "CronJob", "cronjobs", List.of("cj"), ALL_CATEGORY, ALL, CronJob.class, CronJobList.class,
                "/registry/cronjobs", status("CronJob")));
        r.add(ns("batch", "v1", "Job", "jobs", List.of(), ALL_CATEGORY, ALL, Job.class, JobList.class, "/registry/jobs",
                status("Job")));
        // networking.k8s.io/v1
        r.add(cluster("networking.k8s.io", "v1", "IngressClass", "ingressclasses", List.of(), ALL, IngressClass.class,
                IngressClassList.class, "/registry/ingressclasses"));
        r.add(ns("networking.k8s.io", "v1", "Ingress", "ingresses", List.of("ing"), List.of(), ALL, Ingress.class,
                IngressList.class, "/registry/ingress", status("Ingress")));
        r.add(ns("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", List.of("netpol"), List.of(), ALL,
                NetworkPolicy.class, NetworkPolicyList.class, "/registry/networkpolicies"));
        // policy/v1
        r.add(ns("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", List.of("pdb"), List.of(), ALL,
                PodDisruptionBudget.class, PodDisruptionBudgetList.class, "/registry/poddisruptionbudgets",
                status("PodDisruptionBudget")));
        // rbac.authorization.k8s.io/v1
        r.add(cluster("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", List.of(), ALL,
                ClusterRoleBinding.class, ClusterRoleBindingList.class, "/registry/clusterrolebindings"));
        r.add(cluster("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", List.of(), ALL, ClusterRole.class,
                ClusterRoleList.class, "/registry/clusterroles"));
        r.add(ns("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", List.of(), List.of(), ALL,
                RoleBinding.class, RoleBindingList.class, "/registry/rolebindings"));
        r.add(ns("rbac.authorization.k8s.io", "v1", "Role", "roles", List.of(), List.of(), ALL, Role.class, RoleList.class,
                "/registry/roles"));
        // storage.k8s.io/v1
        r.add(cluster("storage.k8s.io", "v1", "StorageClass", "storageclasses", List.of("sc"), ALL, StorageClass.class,
                StorageClassList.class, "/registry/storageclasses"));
        r.add(cluster("storage.k8s.io", "v1", "CSIDriver", "csidrivers", List.of(), ALL, CSIDriver.class, CSIDriverList.class,
                "/registry/csidrivers"));
        r.add(cluster("storage.k8s.io", "v1", "CSINode", "csinodes", List.of(), ALL, CSINode.class, CSINodeList.class,
                "/registry/csinodes"));
        r.add(cluster("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", List.of(), ALL, VolumeAttachment.class,
                VolumeAttachmentList.class, "/registry/volumeattachments", status("VolumeAttachment")));
        // scheduling.k8s.io/v1
        r.add(cluster("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", List.of("pc"), ALL, PriorityClass.class,
                PriorityClassList.class, "/registry/priorityclasses"));
        // coordination.k8s.io/v1
        r.add(ns("coordination.k8s.io", "v1", "Lease", "leases", List.of(), List.of(), ALL, Lease.class, LeaseList.class,
                "/registry/leases"));
        // discovery.k8s.io/v1
        r.add(ns("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", List.of(), List.of(), ALL, EndpointSlice.class,
                EndpointSliceList.class, "/registry/endpointslices"));
        // apiregistration.k8s.io/v1 (kube-aggregator's)
        r.add(cluster("apiregistration.k8s.io", "v1", "APIService", "apiservices", List.of(), ALL, io.fabric8.kubernetes.api.model.APIService.class,
                io.fabric8.kubernetes.api.model.APIServiceList.class, "/registry/apiregistration.k8s.io/apiservices", status("APIService")));
        // metrics.k8s.io/v1beta1: read-only, never stored (metrics-server's API, served by skiff itself)
        r.add(new ResourceInfo("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", "", false, List.of(), List.of(), GET_LIST, List.of(),
                io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics.class,
                io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetricsList.class, null));
        r.add(new ResourceInfo("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", "", true, List.of(), List.of(), GET_LIST, List.of(),
                io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics.class,
                io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsList.class, null));
        return r;
    }

    /**
     * Group order in discovery, highest priority first, and each group's versions, preferred first
     * (upstream's apiVersionPriorities in cmd/kube-apiserver/app/aggregator.go).
     */
    static List<GroupVersion> groupVersionOrder() {
        return List.of(
                new GroupVersion("", "v1"),
                new GroupVersion("apiregistration.k8s.io", "v1"),
                new GroupVersion("apps", "v1"),
                new GroupVersion("events.k8s.io", "v1"),
                new GroupVersion("authentication.k8s.io", "v1"),
                new GroupVersion("authentication.k8s.io", "v1beta1"),
                new GroupVersion("authorization.k8s.io", "v1"),
                new GroupVersion("autoscaling", "v2"),
                new GroupVersion("autoscaling", "v1"),
                new GroupVersion("batch", "v1"),
                new GroupVersion("networking.k8s.io", "v1"),
                new GroupVersion("policy", "v1"),
                new GroupVersion("rbac.authorization.k8s.io", "v1"),
                new GroupVersion("storage.k8s.io", "v1"),
                new GroupVersion("scheduling.k8s.io", "v1"),
                new GroupVersion("coordination.k8s.io", "v1"),
                new GroupVersion("discovery.k8s.io", "v1"),
                // an aggregated API's group comes after the built-in ones (metrics-server's APIService priority 100)
                new GroupVersion("metrics.k8s.io", "v1beta1"));
    }

    private static ResourceInfo ns(String group, String version, String kind, String resource, List<String> shortNames,
                                   List<String> categories, Set<String> verbs, Class<? extends HasMetadata> type,
                                   Class<? extends KubernetesResource> listType, String prefix, Subresource... subs) {
        return new ResourceInfo(group, version, kind, resource, kind.toLowerCase(java.util.Locale.ROOT), true, shortNames,
                categories, verbs, List.of(subs), type, listType, prefix);
    }

    private static ResourceInfo cluster(String group, String version, String kind, String resource, List<String> shortNames,
                                        Set<String> verbs, Class<? extends HasMetadata> type,
                                        Class<? extends KubernetesResource> listType, String prefix, Subresource... subs) {
        return new ResourceInfo(group, version, kind, resource, kind.toLowerCase(java.util.Locale.ROOT), false, shortNames,
                List.of(), verbs, List.of(subs), type, listType, prefix);
    }

    private static Subresource status(String kind) {
        return new Subresource("status", null, null, kind, GET_PATCH_UPDATE);
    }

    private static Subresource scale() {
        return new Subresource("scale", "autoscaling", "v1", "Scale", GET_PATCH_UPDATE);
    }

    private static Subresource sub(String name, String kind, String... verbs) {
        return new Subresource(name, "", "v1", kind, Set.of(verbs));
    }
}
