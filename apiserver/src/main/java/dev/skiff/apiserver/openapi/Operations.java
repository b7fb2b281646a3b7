package dev.skiff.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.openapi.SchemaGenerator;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.handlers.ServedResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The API operations of served resources, described once and written out by both OpenAPI
 * versions: per resource its collection path (list, create, deletecollection), its item path
 * (read, replace, patch, delete) and, for namespaced resources, the list across namespaces, with
 * upstream's operation ids ({@code listCoreV1NamespacedConfigMap}), {@code x-kubernetes-action}
 * and the query parameters the handlers read. Only the verbs a resource supports and the handlers
 * implement appear, so a client never finds an operation the server would refuse.
 */
record Operations(List<Operation> operations) {

    /** A parameter: in "query" or "path"; type "string", "boolean" or "integer". */
    record Parameter(String name, String in, String type) {
        boolean required() {
            return in.equals("path");
        }
    }

    /**
     * One operation. {@code body} is the definition class of the request body (null for none) and
     * {@code response} the class answered with 200; {@code responseCodes} lists every success code.
     */
    record Operation(ResourceInfo resource, String path, String method, String action, String operationId,
                     List<Parameter> pathParameters, List<Parameter> query, Class<?> body, Class<?> response,
                     List<String> responseCodes) {
    }

    private static final List<Parameter> LIST = strings("continue", "fieldSelector", "labelSelector",
            "resourceVersion", "resourceVersionMatch", "allowWatchBookmarks:boolean", "limit:integer",
            "sendInitialEvents:boolean", "timeoutSeconds:integer", "watch:boolean");
    private static final List<Parameter> WRITE = strings("dryRun", "fieldManager", "fieldValidation");
    private static final List<Parameter> PATCH = strings("dryRun", "fieldManager", "fieldValidation", "force:boolean");
    private static final List<Parameter> DELETE = strings("dryRun", "gracePeriodSeconds:integer",
            "orphanDependents:boolean", "propagationPolicy");
    private static final List<Parameter> DELETE_COLLECTION = strings("continue", "dryRun", "fieldSelector",
            "gracePeriodSeconds:integer", "labelSelector", "limit:integer", "orphanDependents:boolean",
            "propagationPolicy", "resourceVersion", "resourceVersionMatch", "sendInitialEvents:boolean",
            "timeoutSeconds:integer");

    /**
     * Writes every operation under its path, the path's own parameters (name, namespace, pretty)
     * once per path, and tags the kinds in {@code schemas}; the two OpenAPI versions differ only
     * in how a parameter and an operation are written.
     */
    void writePaths(ObjectNode paths, SchemaGenerator schemas, Function<Parameter, ObjectNode> parameter,
                    BiFunction<Operation, SchemaGenerator, ObjectNode> operation) {
        for (Operation op : operations) {
            ResourceInfo info = op.resource();
            schemas.addKind(info.type(), new SchemaGenerator.Gvk(info.group(), info.version(), info.kind()));
            if (info.listType() != null) {
                schemas.addKind(info.listType(), new SchemaGenerator.Gvk(info.group(), info.version(), info.kind() + "List"));
            }
            ObjectNode path = (ObjectNode) paths.get(op.path());
            if (path == null) {
                path = paths.putObject(op.path());
                ArrayNode parameters = path.putArray("parameters");
                op.pathParameters().forEach(p -> parameters.add(parameter.apply(p)));
                parameters.add(parameter.apply(new Parameter("pretty", "query", "string")));
            }
            path.set(op.method(), operation.apply(op, schemas));
        }
    }

    static Operations of(List<ServedResource<?>> served) {
        List<Operation> operations = new ArrayList<>();
        for (ServedResource<?> resource : served) {
            add(resource, operations);
        }
        return new Operations(List.copyOf(operations));
    }

    private static void add(ServedResource<?> served, List<Operation> out) {
        ResourceInfo info = served.info();
        var verbs = served.verbs();
        String prefix = info.groupVersion().path();
        String scope = info.namespaced() ? "Namespaced" : "";
        String id = groupVersionId(info) + scope + info.kind();
        List<Parameter> namespace = info.namespaced() ? List.of(new Parameter("namespace", "path", "string")) : List.of();
        List<Parameter> named = new ArrayList<>(List.of(new Parameter("name", "path", "string")));
        named.addAll(namespace);
        String collection = prefix + (info.namespaced() ? "/namespaces/{namespace}/" : "/") + info.resource();
        String item = collection + "/{name}";
        Class<?> type = info.type();
        if (verbs.contains("list") && info.listType() != null) {
            out.add(new Operation(info, collection, "get", "list", "list" + id, namespace, LIST, null, info.listType(), List.of("200")));
            if (info.namespaced()) {
                out.add(new Operation(info, prefix + "/" + info.resource(), "get", "list",
                        "list" + groupVersionId(info) + info.kind() + "ForAllNamespaces", List.of(), LIST, null,
                        info.listType(), List.of("200")));
            }
        }
        if (verbs.contains("create")) {
            out.add(new Operation(info, collection, "post", "post", "create" + id, namespace, WRITE, type, type,
                    List.of("200", "201", "202")));
        }
        if (verbs.contains("deletecollection")) {
            out.add(new Operation(info, collection, "delete", "deletecollection",
                    "delete" + groupVersionId(info) + "Collection" + scope + info.kind(), namespace, DELETE_COLLECTION,
                    io.fabric8.kubernetes.api.model.DeleteOptions.class, io.fabric8.kubernetes.api.model.Status.class,
                    List.of("200")));
        }
        if (verbs.contains("get")) {
            out.add(new Operation(info, item, "get", "get", "read" + id, named, List.of(), null, type, List.of("200")));
        }
        if (verbs.contains("update")) {
            out.add(new Operation(info, item, "put", "put", "replace" + id, named, WRITE, type, type, List.of("200", "201")));
        }
        if (verbs.contains("patch")) {
            out.add(new Operation(info, item, "patch", "patch", "patch" + id, named, PATCH,
                    io.fabric8.kubernetes.api.model.Patch.class, type, List.of("200", "201")));
        }
        if (verbs.contains("delete")) {
            out.add(new Operation(info, item, "delete", "delete", "delete" + id, named, DELETE,
                    io.fabric8.kubernetes.api.model.DeleteOptions.class, io.fabric8.kubernetes.api.model.Status.class,
                    List.of("200", "202")));
        }
    }

    /** Upstream's operation id infix: "CoreV1", "AppsV1", "RbacAuthorizationV1", "NetworkingV1". */
    static String groupVersionId(ResourceInfo info) {
        StringBuilder id = new StringBuilder();
        String group = info.group().isEmpty() ? "core" : info.group().replace(".k8s.io", "");
        for (String part : group.split("\\.")) {
            id.append(capitalize(part));
        }
        return id.append(capitalize(info.version())).toString();
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    private static List<Parameter> strings(String... specs) {
        List<Parameter> parameters = new ArrayList<>();
        for (String spec : specs) {
            int colon = spec.indexOf(':');
            parameters.add(colon < 0 ? new Parameter(spec, "query", "string")
                    : new Parameter(spec.substring(0, colon), "query", spec.substring(colon + 1)));
        }
        return List.copyOf(parameters);
    }
}
