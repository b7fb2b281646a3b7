package dev.skiff.apiserver.handlers;

import dev.skiff.api.meta.MicroTime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing (meta.k8s.io/v1 Table) as kube-apiserver's printers do for kubectl get:
 * the resource's own columns where skiff knows them (pkg/printers/internalversion), otherwise the
 * default Name / Created At table. Cells are computed here, AGE included, as upstream.
 */
public final class TableConvertor {
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(MicroTime.MODULE);
    static final String NAME_DESCRIPTION = "Name must be unique within a namespace. Is required when creating resources, although "
            + "some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily "
            + "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    static final String CREATION_DESCRIPTION = "CreationTimestamp is a timestamp representing the server time when this object "
            + "was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not "
            + "set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for "
            + "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    /** {@code priority} 0 columns are always shown, 1 only with -o wide, as upstream. */
    record Column(String name, String type, String format, String description, Function<HasMetadata, Object> cell, int priority) {
        Column(String name, String type, String format, String description, Function<HasMetadata, Object> cell) {
            this(name, type, format, description, cell, 0);
        }
    }

    private final List<Column> columns;
    private final Clock clock;

    private TableConvertor(List<Column> columns, Clock clock) {
        this.columns = columns;
        this.clock = clock;
    }

    /** The columns upstream prints for this kind (by Kind), or the default table. */
    public static TableConvertor forKind(String kind, Clock clock) {
        Column name = new Column("Name", "string", "name", NAME_DESCRIPTION, o -> o.getMetadata().getName());
        List<Column> columns = switch (kind) {
            case "Namespace" -> List.of(name,
                    new Column("Status", "string", "", "The status of the namespace", o -> {
                        var status = ((Namespace) o).getStatus();
                        return status == null || status.getPhase() == null ? "" : status.getPhase();
                    }),
                    age(clock));
            case "ConfigMap" -> List.of(name,
                    new Column("Data", "string", "", "Data contains the configuration data", o -> {
                        var cm = (ConfigMap) o;
                        return (long) size(cm.getData()) + size(cm.getBinaryData());
                    }),
                    age(clock));
            case "Secret" -> List.of(name,
                    new Column("Type", "string", "", "The type of the secret", o -> nullToEmpty(((Secret) o).getType())),
                    new Column("Data", "string", "", "The number of data items in the secret", o -> {
                        var s = (Secret) o;
                        return (long) size(s.getData()) + size(s.getStringData());
                    }),
                    age(clock));
            case "ServiceAccount" -> List.of(name,
                    new Column("Secrets", "string", "", "Secrets is a list of the secrets in the same namespace that pods running "
                            + "using this ServiceAccount are allowed to use.", o -> (long) size(((ServiceAccount) o).getSecrets())),
                    age(clock));
            case "Lease" -> List.of(name,
                    new Column("Holder", "string", "", "The holder of this lease", o -> {
                        var spec = ((Lease) o).getSpec();
                        return spec == null ? "" : nullToEmpty(spec.getHolderIdentity());
                    }),
                    age(clock));
            case "Pod" -> PodColumns.columns(name, age(clock), clock);
            case "Node" -> NodeColumns.columns(name, age(clock));
            case "Service" -> ServiceColumns.columns(name, age(clock));
            case "Endpoints" -> EndpointsColumns.columns(name, age(clock));
            case "ResourceQuota" -> ResourceQuotaColumns.columns(name, age(clock));
            case "PodTemplate" -> List.of(name,
                    new Column("Containers", "string", "", "Names of each container in the template.",
                            o -> PodColumns.containerNames(((PodTemplate) o).getTemplate())),
                    new Column("Images", "string", "", "Images referenced by each container in the template.",
                            o -> PodColumns.images(((PodTemplate) o).getTemplate())),
                    new Column("Pod Labels", "string", "", "The labels for the pod template.", o -> {
                        var template = ((PodTemplate) o).getTemplate();
                        return selector(template == null || template.getMetadata() == null ? null : template.getMetadata().getLabels());
                    }));
            case "Event" -> EventColumns.columns(clock);
            // kube-aggregator's printer: the service or Local, and Available with the reason when not True
            case "APIService" -> List.of(name,
                    new Column("Service", "string", "", "The reference to the service that hosts this API endpoint.", o -> {
                        var ref = ((io.fabric8.kubernetes.api.model.APIService) o).getSpec().getService();
                        return ref == null ? "Local" : nullToEmpty(ref.getNamespace()) + "/" + nullToEmpty(ref.getName());
                    }),
                    new Column("Available", "string", "", "Whether this service is available.", o -> {
                        var status = ((io.fabric8.kubernetes.api.model.APIService) o).getStatus();
                        var available = status == null || status.getConditions() == null ? null : status.getConditions().stream()
                                .filter(c -> "Available".equals(c.getType())).findFirst().orElse(null);
                        if (available == null) {
                            return "Unknown";
                        }
                        return "True".equals(available.getStatus()) ? "True"
                                : nullToEmpty(available.getStatus()) + " (" + nullToEmpty(available.getReason()) + ")";
                    }),
                    age(clock));
            case "ReplicationController" -> List.of(name,
                    new Column("Desired", "integer", "", "Replicas is the number of desired replicas.", o -> {
                        var spec = ((ReplicationController) o).getSpec();
                        return spec == null || spec.getReplicas() == null ? 0L : (long) spec.getReplicas();
                    }),
                    new Column("Current", "integer", "", "Replicas is the most recently observed number of replicas.", o -> {
                        var status = ((ReplicationController) o).getStatus();
                        return status == null || status.getReplicas() == null ? 0L : (long) status.getReplicas();
                    }),
                    new Column("Ready", "integer", "", "The number of ready replicas for this replication controller.", o -> {
                        var status = ((ReplicationController) o).getStatus();
                        return status == null || status.getReadyReplicas() == null ? 0L : (long) status.getReadyReplicas();
                    }),
                    age(clock),
                    new Column("Containers", "string", "", "Names of each container in the template.",
                            o -> PodColumns.containerNames(((ReplicationController) o).getSpec().getTemplate()), 1),
                    new Column("Images", "string", "", "Images referenced by each container in the template.",
                            o -> PodColumns.images(((ReplicationController) o).getSpec().getTemplate()), 1),
                    new Column("Selector", "string", "", "Selector is a label query over pods that should match the Replicas count.",
                            o -> selector(((ReplicationController) o).getSpec().getSelector()), 1));
            default -> StorageColumns.forKind(kind, name, age(clock))
                    .or(() -> MetricsColumns.forKind(kind, name))
                    .or(() -> GroupColumns.forKind(kind, name, age(clock), clock)).orElseGet(() -> List.of(name,
                    new Column("Created At", "date", "", CREATION_DESCRIPTION, o -> nullToEmpty(o.getMetadata().getCreationTimestamp()))));
        };
        return new TableConvertor(columns, clock);
    }

    static Column age(Clock clock) {
        return new Column("Age", "string", "", CREATION_DESCRIPTION, o -> {
            String created = o.getMetadata().getCreationTimestamp();
            if (created == null || created.isEmpty()) {
                return "<unknown>";
            }
            return humanDuration(Duration.between(Instant.parse(created), clock.instant()));
        });
    }

    /**
     * A Table of {@code objects}. {@code includeObject} None, Metadata (default: a PartialObjectMetadata)
     * or Object, as the query parameter of that name.
     */
    public ObjectNode table(List<? extends HasMetadata> objects, String resourceVersion, String continueToken,
                            Long remainingItemCount, String includeObject, boolean withColumns) {
        ObjectNode table = MAPPER.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null) {
            meta.put("continue", continueToken);
        }
        if (remainingItemCount != null) {
            meta.put("remainingItemCount", remainingItemCount);
        }
        if (withColumns) {
            ArrayNode definitions = table.putArray("columnDefinitions");
            for (Column c : columns) {
                definitions.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
                        .put("description", c.description()).put("priority", c.priority());
            }
        }
        ArrayNode rows = table.putArray("rows");
        for (HasMetadata object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column c : columns) {
                cells.addPOJO(c.cell().apply(object));
            }
            switch (includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject) {
                case "None" -> {
                }
                case "Object" -> row.set("object", MAPPER.valueToTree(object));
                default -> {
                    ObjectNode partial = row.putObject("object").put("kind", "PartialObjectMetadata")
                            .put("apiVersion", "meta.k8s.io/v1");
                    JsonNode objectMeta = MAPPER.valueToTree(object.getMetadata());
                    partial.set("metadata", objectMeta);
                }
            }
        }
        return table;
    }

    /** labels.SelectorFromSet(...).String() / FormatLabels, or "<none>" for an empty set, as the printers show them. */
    static String selector(java.util.Map<String, String> selector) {
        if (selector == null || selector.isEmpty()) {
            return "<none>";
        }
        return String.join(",", new java.util.TreeMap<>(selector).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    private static int size(java.util.Map<?, ?> map) {
        return map == null ? 0 : map.size();
    }

    private static int size(List<?> list) {
        return list == null ? 0 : list.size();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** apimachinery's duration.HumanDuration: how kubectl's AGE column reads. */
    public static String humanDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = d.toMinutes();
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = d.toHours();
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = hours / 24 % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
