package dev.skiff.api.openapi;

import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI definition name of a fabric8 model class, as upstream names its Go type: the Go
 * package path with dots, then the type name ({@code io.k8s.api.core.v1.Pod},
 * {@code io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta}). A facts table: fabric8 keeps core/v1
 * and meta/v1 in one Java package and drops the version from a few packages (apps, rbac, storage,
 * authentication), so the Go package is looked up, not computed from the Java name alone.
 */
public final class DefinitionNames {
    private DefinitionNames() {
    }

    private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1";

    /** Types of fabric8's base package that are meta/v1 in Go (everything else there is core/v1). */
    private static final Set<String> META_TYPES = Set.of(
            "APIGroup", "APIGroupList", "APIResource", "APIResourceList", "APIVersions", "Condition", "CreateOptions",
            "DeleteOptions", "Duration", "FieldSelectorRequirement", "FieldsV1", "GetOptions", "GroupVersionForDiscovery",
            "LabelSelector", "LabelSelectorRequirement", "ListMeta", "ListOptions", "ManagedFieldsEntry", "MicroTime",
            "ObjectMeta", "OwnerReference", "PartialObjectMetadata", "PartialObjectMetadataList", "Patch", "PatchOptions",
            "Preconditions", "RootPaths", "ServerAddressByClientCIDR", "Status", "StatusCause", "StatusDetails", "Table",
            "TableColumnDefinition", "TableRow", "TypeMeta", "UpdateOptions", "WatchEvent");

    /** Go packages of fabric8 packages whose name is not {@code <group>.<version>} under k8s.io/api. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("apps", "io.k8s.api.apps.v1"),
            Map.entry("rbac", "io.k8s.api.rbac.v1"),
            Map.entry("storage", "io.k8s.api.storage.v1"),
            Map.entry("authentication", "io.k8s.api.authentication.v1"),
            Map.entry("extensions", "io.k8s.api.extensions.v1beta1"),
            Map.entry("runtime", "io.k8s.apimachinery.pkg.runtime"),
            Map.entry("version", "io.k8s.apimachinery.pkg.version"),
            Map.entry("apiextensions.v1", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"),
            Map.entry("apiextensions.v1beta1", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1"));

    /** Meta/v1's Time, which fabric8 models as a plain String. */
    public static final String TIME = META + ".Time";
    public static final String MICRO_TIME = META + ".MicroTime";
    public static final String INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

    /** The upstream definition name of a fabric8 model class. */
    public static String of(Class<?> type) {
        String javaPackage = type.getPackageName();
        String name = type.getSimpleName();
        if (javaPackage.equals(FABRIC8)) {
            return switch (name) {
                case "IntOrString" -> INT_OR_STRING;
                case "Quantity" -> QUANTITY;
                case "APIService", "APIServiceCondition", "APIServiceList", "APIServiceSpec", "APIServiceStatus",
                     "ServiceReference" ->
                        "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1." + name;
                default -> (META_TYPES.contains(name) ? META : "io.k8s.api.core.v1") + "." + name;
            };
        }
        if (!javaPackage.startsWith(FABRIC8 + ".")) {
            throw new IllegalArgumentException(type.getName() + " is not a fabric8 kubernetes-model type");
        }
        String sub = javaPackage.substring(FABRIC8.length() + 1);
        String goPackage = PACKAGES.getOrDefault(sub, "io.k8s.api." + sub);
        return goPackage + "." + name;
    }
}
