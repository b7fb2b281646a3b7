package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricStatus;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The table columns of the non-core resources, as upstream's printers
 * (pkg/printers/internalversion/printers.go) compute them for {@code kubectl get}; wide-only
 * columns have priority 1.
 */
final class GroupColumns {
    private GroupColumns() {
    }

    static Optional<List<Column>> forKind(String kind, Column name, Column age, Clock clock) {
        List<Column> columns = switch (kind) {
            case "Deployment" -> withWide(List.of(name,
                    col("Ready", "Number of the pod with ready state", o -> {
                        var d = (Deployment) o;
                        return num(d.getStatus() == null ? null : d.getStatus().getReadyReplicas()) + "/" + num(d.getSpec().getReplicas());
                    }),
                    integer("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                            o -> ((Deployment) o).getStatus() == null ? null : ((Deployment) o).getStatus().getUpdatedReplicas()),
                    integer("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                            o -> ((Deployment) o).getStatus() == null ? null : ((Deployment) o).getStatus().getAvailableReplicas()),
                    age), o -> ((Deployment) o).getSpec().getTemplate(), o -> ((Deployment) o).getSpec().getSelector(), true);
            case "ReplicaSet" -> withWide(List.of(name,
                    integer("Desired", "Replicas is the number of desired replicas.", o -> ((ReplicaSet) o).getSpec().getReplicas()),
                    integer("Current", "Replicas is the most recently observed number of replicas.",
                            o -> ((ReplicaSet) o).getStatus() == null ? null : ((ReplicaSet) o).getStatus().getReplicas()),
                    integer("Ready", "The number of ready replicas for this replica set.",
                            o -> ((ReplicaSet) o).getStatus() == null ? null : ((ReplicaSet) o).getStatus().getReadyReplicas()),
                    age), o -> ((ReplicaSet) o).getSpec().getTemplate(), o -> ((ReplicaSet) o).getSpec().getSelector(), true);
            case "StatefulSet" -> withWide(List.of(name,
                    col("Ready", "Number of the pod with ready state", o -> {
                        var s = (StatefulSet) o;
                        return num(s.getStatus() == null ? null : s.getStatus().getReadyReplicas()) + "/" + num(s.getSpec().getReplicas());
                    }),
                    age), o -> ((StatefulSet) o).getSpec().getTemplate(), o -> ((StatefulSet) o).getSpec().getSelector(), false);
            case "DaemonSet" -> withWide(List.of(name,
                    integer("Desired", "The total number of nodes that should be running the daemon pod.",
                            o -> ((DaemonSet) o).getStatus() == null ? null : ((DaemonSet) o).getStatus().getDesiredNumberScheduled()),
                    integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
                            o -> ((DaemonSet) o).getStatus() == null ? null : ((DaemonSet) o).getStatus().getCurrentNumberScheduled()),
                    integer("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
                            o -> ((DaemonSet) o).getStatus() == null ? null : ((DaemonSet) o).getStatus().getNumberReady()),
                    integer("Up-to-date", "The total number of nodes that are running updated daemon pod",
                            o -> ((DaemonSet) o).getStatus() == null ? null : ((DaemonSet) o).getStatus().getUpdatedNumberScheduled()),
                    integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
                            o -> ((DaemonSet) o).getStatus() == null ? null : ((DaemonSet) o).getStatus().getNumberAvailable()),
                    col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node.", o -> {
                        var template = ((DaemonSet) o).getSpec().getTemplate();
                        return formatLabels(template == null || template.getSpec() == null ? null : template.getSpec().getNodeSelector());
                    }),
                    age), o -> ((DaemonSet) o).getSpec().getTemplate(), o -> ((DaemonSet) o).getSpec().getSelector(), true);
            case "Job" -> withWide(List.of(name,
                    col("Status", "Status of the job.", o -> jobStatus((Job) o)),
                    col("Completions", "The completion status of the job.", o -> jobCompletions((Job) o)),
                    col("Duration", "Time required to complete the job.", o -> jobDuration((Job) o, clock)),
                    age), o -> ((Job) o).getSpec().getTemplate(), o -> ((Job) o).getSpec().getSelector(), true);
            case "CronJob" -> withWide(List.of(name,
                    col("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.", o -> str(((CronJob) o).getSpec().getSchedule())),
                    col("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
                            o -> orNone(((CronJob) o).getSpec().getTimeZone())),
                    col("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.",
                            o -> boolPtr(((CronJob) o).getSpec().getSuspend())),
                    integer("Active", "A list of pointers to currently running jobs.",
                            o -> ((CronJob) o).getStatus() == null || ((CronJob) o).getStatus().getActive() == null ? 0
                                    : ((CronJob) o).getStatus().getActive().size()),
                    col("Last Schedule", "Information when was the last time the job was successfully scheduled.", o -> {
                        var status = ((CronJob) o).getStatus();
                        return status == null || status.getLastScheduleTime() == null ? "<none>" : since(status.getLastScheduleTime(), clock);
                    }),
                    age), o -> {
                        var jt = ((CronJob) o).getSpec().getJobTemplate();
                        return jt == null || jt.getSpec() == null ? null : jt.getSpec().getTemplate();
                    }, o -> {
                        var jt = ((CronJob) o).getSpec().getJobTemplate();
                        return jt == null || jt.getSpec() == null ? null : jt.getSpec().getSelector();
                    }, true);
            case "HorizontalPodAutoscaler" -> List.of(name,
                    col("Reference", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.", o -> {
                        var ref = ((HorizontalPodAutoscaler) o).getSpec().getScaleTargetRef();
                        return ref == null ? "" : str(ref.getKind()) + "/" + str(ref.getName());
                    }),
                    col("Targets", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).",
                            o -> hpaTargets((HorizontalPodAutoscaler) o)),
                    col("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
                            o -> ((HorizontalPodAutoscaler) o).getSpec().getMinReplicas() == null ? "<unset>"
                                    : String.valueOf(((HorizontalPodAutoscaler) o).getSpec().getMinReplicas())),
                    integer("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
                            o -> ((HorizontalPodAutoscaler) o).getSpec().getMaxReplicas()),
                    integer("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
                            o -> ((HorizontalPodAutoscaler) o).getStatus() == null ? null : ((HorizontalPodAutoscaler) o).getStatus().getCurrentReplicas()),
                    age);
            case "Ingress" -> List.of(name,
                    col("Class", "The name of the IngressClass resource that should be used.", o -> orNone(((Ingress) o).getSpec().getIngressClassName())),
                    col("Hosts", "Hosts that incoming requests are matched against before the ingress rule", o -> ingressHosts((Ingress) o)),
                    col("Address", "Address is a list containing ingress points for the load-balancer", o -> ingressAddress((Ingress) o)),
                    col("Ports", "Ports of TLS configurations that open", o -> {
                        var tls = ((Ingress) o).getSpec().getTls();
                        return tls == null || tls.isEmpty() ? "80" : "80, 443";
                    }),
                    age);
            case "IngressClass" -> List.of(name,
                    col("Controller", "Controller that is responsible for handling this class", o -> str(((IngressClass) o).getSpec().getController())),
                    col("Parameters", "A reference to a resource with additional parameters", o -> {
                        var p = ((IngressClass) o).getSpec().getParameters();
                        if (p == null) {
                            return "<none>";
                        }
                        String group = p.getApiGroup() == null || p.getApiGroup().isEmpty() ? "" : "." + p.getApiGroup();
                        return p.getKind() + group + "/" + p.getName();
                    }),
                    age);
            case "NetworkPolicy" -> List.of(name,
                    col("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies", o -> formatSelector(((NetworkPolicy) o).getSpec().getPodSelector())),
                    age);
            case "PodDisruptionBudget" -> List.of(name,
                    col("Min Available", "The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
                            o -> intOrStringOrNa(((PodDisruptionBudget) o).getSpec().getMinAvailable())),
                    col("Max Unavailable", "The maximum number of pods that may be unavailable simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
                            o -> intOrStringOrNa(((PodDisruptionBudget) o).getSpec().getMaxUnavailable())),
                    integer("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.",
                            o -> ((PodDisruptionBudget) o).getStatus() == null ? null : ((PodDisruptionBudget) o).getStatus().getDisruptionsAllowed()),
                    age);
            case "StorageClass" -> List.of(
                    new Column("Name", "string", "name", TableConvertor.NAME_DESCRIPTION, o -> {
                        var annotations = o.getMetadata().getAnnotations();
                        boolean isDefault = annotations != null && ("true".equals(annotations.get("storageclass.kubernetes.io/is-default-class"))
                                || "true".equals(annotations.get("storageclass.beta.kubernetes.io/is-default-class")));
                        return o.getMetadata().getName() + (isDefault ? " (default)" : "");
                    }),
                    col("Provisioner", "Indicates the type of the provisioner.", o -> str(((StorageClass) o).getProvisioner())),
                    col("ReclaimPolicy", "Indicates the type of the reclaim policy.", o -> str(((StorageClass) o).getReclaimPolicy())),
                    col("VolumeBindingMode", "Indicates how PersistentVolumeClaims should be bound.", o -> str(((StorageClass) o).getVolumeBindingMode())),
                    col("AllowVolumeExpansion", "Indicates whether the storage class allow volume expand", o -> String.valueOf(Boolean.TRUE.equals(((StorageClass) o).getAllowVolumeExpansion()))),
                    age);
            case "PriorityClass" -> List.of(name,
                    integer("Value", "The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
                            o -> ((PriorityClass) o).getValue()),
                    col("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.",
                            o -> String.valueOf(Boolean.TRUE.equals(((PriorityClass) o).getGlobalDefault()))),
                    age,
                    col("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority.",
                            o -> str(((PriorityClass) o).getPreemptionPolicy())));
            case "RoleBinding" -> bindingColumns(name, age, o -> ((RoleBinding) o).getRoleRef(), o -> ((RoleBinding) o).getSubjects());
            case "ClusterRoleBinding" -> bindingColumns(name, age, o -> ((ClusterRoleBinding) o).getRoleRef(),
                    o -> ((ClusterRoleBinding) o).getSubjects());
            case "ControllerRevision" -> List.of(name,
                    col("Controller", "Controller of the object", o -> {
                        OwnerReference ref = controllerOf(o);
                        if (ref == null) {
                            return "<none>";
                        }
                        String apiVersion = str(ref.getApiVersion());
                        String group = apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                        return ref.getKind().toLowerCase(java.util.Locale.ROOT) + group + "/" + ref.getName();
                    }),
                    integer("Revision", "Revision indicates the revision of the state represented by Data.",
                            o -> ((ControllerRevision) o).getRevision() == null ? null : ((ControllerRevision) o).getRevision().intValue()),
                    age);
            case "EndpointSlice" -> List.of(name,
                    col("AddressType", "Type of address carried by this EndpointSlice", o -> str(((EndpointSlice) o).getAddressType())),
                    col("Ports", "Ports provided by this EndpointSlice", o -> {
                        var ports = ((EndpointSlice) o).getPorts();
                        if (ports == null || ports.isEmpty()) {
                            return "<unset>";
                        }
                        return String.join(",", ports.stream().map(p -> p.getPort() == null ? "<unset>" : String.valueOf(p.getPort())).toList());
                    }),
                    col("Endpoints", "Endpoints included in this EndpointSlice", o -> {
                        List<String> addresses = new ArrayList<>();
                        var endpoints = ((EndpointSlice) o).getEndpoints();
                        if (endpoints != null) {
                            endpoints.forEach(e -> addresses.addAll(e.getAddresses() == null ? List.of() : e.getAddresses()));
                        }
                        return listWithMore(addresses, 3, "<unset>");
                    }),
                    age);
            default -> null;
        };
        return Optional.ofNullable(columns);
    }

    private static Column col(String name, String description, Function<HasMetadata, Object> cell) {
        return new Column(name, "string", "", description, cell);
    }

    private static Column integer(String name, String description, Function<HasMetadata, Integer> cell) {
        return new Column(name, "integer", "", description, o -> {
            Integer v = cell.apply(o);
            return (long) (v == null ? 0 : v);
        });
    }

    /** Appends the wide columns Containers, Images and (when {@code selector}) Selector. */
    private static List<Column> withWide(List<Column> base, Function<HasMetadata, PodTemplateSpec> template,
                                         Function<HasMetadata, LabelSelector> selectorOf, boolean selector) {
        List<Column> columns = new ArrayList<>(base);
        columns.add(new Column("Containers", "string", "", "Names of each container in the template.",
                o -> PodColumns.containerNames(template.apply(o)), 1));
        columns.add(new Column("Images", "string", "", "Images referenced by each container in the template.",
                o -> PodColumns.images(template.apply(o)), 1));
        if (selector) {
            columns.add(new Column("Selector", "string", "", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
                    o -> formatSelector(selectorOf.apply(o)), 1));
        }
        return columns;
    }

    private static List<Column> bindingColumns(Column name, Column age, Function<HasMetadata, RoleRef> roleRef,
                                               Function<HasMetadata, List<Subject>> subjects) {
        return List.of(name,
                col("Role", "Role that the binding refers to", o -> {
                    RoleRef ref = roleRef.apply(o);
                    return ref == null ? "" : str(ref.getKind()) + "/" + str(ref.getName());
                }),
                age,
                new Column("Users", "string", "", "Users in the binding", o -> subjects(subjects.apply(o), "User"), 1),
                new Column("Groups", "string", "", "Groups in the binding", o -> subjects(subjects.apply(o), "Group"), 1),
                new Column("ServiceAccounts", "string", "", "ServiceAccounts in the binding", o -> subjects(subjects.apply(o), "ServiceAccount"), 1));
    }

    private static String subjects(List<Subject> subjects, String kind) {
        if (subjects == null) {
            return "";
        }
        return String.join(", ", subjects.stream().filter(s -> kind.equals(s.getKind()))
                .map(s -> kind.equals("ServiceAccount") ? str(s.getNamespace()) + "/" + str(s.getName()) : str(s.getName())).toList());
    }

    static String jobStatus(Job job) {
        List<JobCondition> conditions = job.getStatus() == null || job.getStatus().getConditions() == null ? List.of()
                : job.getStatus().getConditions();
        if (hasCondition(conditions, "Complete")) {
            return "Complete";
        } else if (hasCondition(conditions, "Failed")) {
            return "Failed";
        } else if (job.getMetadata().getDeletionTimestamp() != null) {
            return "Terminating";
        } else if (hasCondition(conditions, "Suspended")) {
            return "Suspended";
        } else if (hasCondition(conditions, "FailureTarget")) {
            return "FailureTarget";
        } else if (hasCondition(conditions, "SuccessCriteriaMet")) {
            return "SuccessCriteriaMet";
        }
        return "Running";
    }

    private static boolean hasCondition(List<JobCondition> conditions, String type) {
        return conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static String jobCompletions(Job job) {
        int succeeded = job.getStatus() == null ? 0 : num(job.getStatus().getSucceeded());
        if (job.getSpec().getCompletions() != null) {
            return succeeded + "/" + job.getSpec().getCompletions();
        }
        int parallelism = num(job.getSpec().getParallelism());
        return parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
    }

    private static String jobDuration(Job job, Clock clock) {
        var status = job.getStatus();
        if (status == null || status.getStartTime() == null) {
            return "";
        }
        Instant start = Instant.parse(status.getStartTime());
        Instant end = status.getCompletionTime() == null ? clock.instant() : Instant.parse(status.getCompletionTime());
        return TableConvertor.humanDuration(Duration.between(start, end));
    }

    private static String hpaTargets(HorizontalPodAutoscaler hpa) {
        List<MetricSpec> specs = hpa.getSpec().getMetrics() == null ? List.of() : hpa.getSpec().getMetrics();
        if (specs.isEmpty()) {
            return "<none>";
        }
        List<MetricStatus> statuses = hpa.getStatus() == null || hpa.getStatus().getCurrentMetrics() == null ? List.of()
                : hpa.getStatus().getCurrentMetrics();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            MetricSpec spec = specs.get(i);
            MetricStatus status = i < statuses.size() ? statuses.get(i) : null;
            String current = "<unknown>";
            switch (str(spec.getType())) {
                case "Resource" -> {
                    var target = spec.getResource().getTarget();
                    var cur = status == null || status.getResource() == null ? null : status.getResource().getCurrent();
                    if (target.getAverageValue() != null) {
                        if (cur != null && cur.getAverageValue() != null) {
                            current = cur.getAverageValue().toString();
                        }
                        list.add(spec.getResource().getName() + ": " + current + "/" + target.getAverageValue());
                    } else {
                        if (cur != null && cur.getAverageUtilization() != null) {
                            current = cur.getAverageUtilization() + "%";
                        }
                        list.add(spec.getResource().getName() + ": " + current + "/" + num(target.getAverageUtilization()) + "%");
                    }
                }
                case "Pods" -> list.add(current + "/" + spec.getPods().getTarget().getAverageValue());
                case "Object" -> list.add(current + "/" + (spec.getObject().getTarget().getValue() != null
                        ? spec.getObject().getTarget().getValue() : spec.getObject().getTarget().getAverageValue() + " (avg)"));
                case "External" -> list.add(current + "/" + (spec.getExternal().getTarget().getValue() != null
                        ? spec.getExternal().getTarget().getValue() : spec.getExternal().getTarget().getAverageValue() + " (avg)"));
                default -> list.add("<unknown type>");
            }
        }
        if (list.size() > 2) {
            return String.join(", ", list.subList(0, 2)) + " + " + (list.size() - 2) + " more...";
        }
        return String.join(", ", list);
    }

    private static String ingressHosts(Ingress ing) {
        List<String> hosts = new ArrayList<>();
        if (ing.getSpec().getRules() != null) {
            ing.getSpec().getRules().stream().filter(r -> r.getHost() != null && !r.getHost().isEmpty()).forEach(r -> hosts.add(r.getHost()));
        }
        return hosts.isEmpty() ? "*" : listWithMore(hosts, 3, "*");
    }

    private static String ingressAddress(Ingress ing) {
        List<String> addresses = new ArrayList<>();
        if (ing.getStatus() != null && ing.getStatus().getLoadBalancer() != null && ing.getStatus().getLoadBalancer().getIngress() != null) {
            ing.getStatus().getLoadBalancer().getIngress().forEach(i -> {
                if (i.getIp() != null && !i.getIp().isEmpty()) {
                    addresses.add(i.getIp());
                } else if (i.getHostname() != null && !i.getHostname().isEmpty()) {
                    addresses.add(i.getHostname());
                }
            });
        }
        return String.join(",", addresses);
    }

    private static String listWithMore(List<String> values, int max, String empty) {
        if (values.isEmpty()) {
            return empty;
        }
        if (values.size() > max) {
            return String.join(",", values.subList(0, max)) + " + " + (values.size() - max) + " more...";
        }
        return String.join(",", values);
    }

    private static OwnerReference controllerOf(HasMetadata o) {
        var refs = o.getMetadata().getOwnerReferences();
        return refs == null ? null : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
    }

    /** labels.FormatLabels: sorted k=v pairs, "<none>" when empty. */
    static String formatLabels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return "<none>";
        }
        List<String> pairs = new ArrayList<>();
        new TreeMap<>(labels).forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(",", pairs);
    }

    /** metav1.FormatLabelSelector: the selector as a string, "<none>" when empty or absent. */
    static String formatSelector(LabelSelector selector) {
        String s = dev.skiff.api.selector.LabelSelectors.format(selector);
        return s.isEmpty() ? "<none>" : s;
    }

    private static String intOrStringOrNa(IntOrString v) {
        if (v == null) {
            return "N/A";
        }
        return v.getStrVal() != null ? v.getStrVal() : String.valueOf(v.getIntVal());
    }

    private static String since(String timestamp, Clock clock) {
        return TableConvertor.humanDuration(Duration.between(Instant.parse(timestamp), clock.instant()));
    }

    private static String boolPtr(Boolean b) {
        return b == null ? "<unset>" : b ? "True" : "False";
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    private static int num(Integer n) {
        return n == null ? 0 : n;
    }

    private static String str(String s) {
        return s == null ? "" : s;
    }
}
