package dev.skiff.registry.core.pod;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.node.KubeletConnection;
import dev.skiff.registry.generic.GenericRegistry;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where on its node's kubelet a pod's logs, exec, attach and port-forward are served (upstream:
 * the pod strategy's LogLocation, ExecLocation, AttachLocation and PortForwardLocation, with the
 * node's connection info): the container named or defaulted, the node's InternalIP and the
 * kubelet port its status reports, and the options passed on as the kubelet's query.
 */
public final class StreamLocations {
    private final GenericRegistry<Pod> pods;
    private final GenericRegistry<Node> nodes;

    public StreamLocations(GenericRegistry<Pod> pods, GenericRegistry<Node> nodes) {
        this.pods = pods;
        this.nodes = nodes;
    }

    /** GET pods/log: null when the pod is not on a node yet (upstream then answers with an empty body). */
    public URI logLocation(String namespace, String name, Map<String, List<String>> query) {
        validateLogOptions(name, query);
        Pod pod = pods.get(namespace, name);
        String container = logContainer(pod, first(query, "container"));
        if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
            return null;
        }
        List<String> params = new ArrayList<>();
        for (String flag : List.of("follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend")) {
            if ("true".equalsIgnoreCase(first(query, flag)) || "1".equals(first(query, flag))) {
                params.add(flag + "=true");
            }
        }
        for (String value : List.of("sinceSeconds", "sinceTime", "tailLines", "limitBytes")) {
            if (first(query, value) != null) {
                params.add(value + "=" + encode(first(query, value)));
            }
        }
        return kubelet(pod, "/containerLogs/" + namespace + "/" + name + "/" + container, params);
    }

    /** pods/exec and pods/attach ({@code kind} "exec" or "attach"): 400 for a pod without a node. */
    public URI streamLocation(String kind, String namespace, String name, Map<String, List<String>> query) {
        Pod pod = pods.get(namespace, name);
        String container = streamContainer(pod, first(query, "container"));
        requireNode(pod, name);
        List<String> params = new ArrayList<>();
        for (var option : List.of(Map.entry("stdin", "input"), Map.entry("stdout", "output"), Map.entry("stderr", "error"),
                Map.entry("tty", "tty"))) {
            String value = first(query, option.getKey());
            if ("true".equalsIgnoreCase(value) || "1".equals(value)) {
                params.add(option.getValue() + "=1");
            }
        }
        if (kind.equals("exec")) {
            List<String> command = query.getOrDefault("command", List.of());
            if (command.isEmpty()) {
                throw ApiException.badRequest("you must specify at least 1 command");
            }
            command.forEach(c -> params.add("command=" + encode(c)));
        }
        return kubelet(pod, "/" + kind + "/" + namespace + "/" + name + "/" + container, params);
    }

    /** pods/portforward: the ports (if given in the query, as WebSocket clients do) passed on. */
    public URI portForwardLocation(String namespace, String name, Map<String, List<String>> query) {
        Pod pod = pods.get(namespace, name);
        requireNode(pod, name);
        List<String> params = new ArrayList<>();
        query.getOrDefault("ports", List.of()).forEach(p -> params.add("port=" + encode(p)));
        return kubelet(pod, "/portForward/" + namespace + "/" + name, params);
    }

    private static void requireNode(Pod pod, String name) {
        if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
            throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
    }

    /** Upstream's ValidatePodLogOptions. */
    private static void validateLogOptions(String name, Map<String, List<String>> query) {
        List<Cause> causes = new ArrayList<>();
        Long tail = number(query, "tailLines");
        if (tail != null && tail < 0) {
            causes.add(Cause.invalid("tailLines", tail, "must be greater than or equal to 0"));
        }
        Long limit = number(query, "limitBytes");
        if (limit != null && limit < 1) {
            causes.add(Cause.invalid("limitBytes", limit, "must be greater than 0"));
        }
        Long since = number(query, "sinceSeconds");
        if (since != null && since < 1) {
            causes.add(Cause.invalid("sinceSeconds", since, "must be greater than 0"));
        }
        if (since != null && first(query, "sinceTime") != null) {
            causes.add(Cause.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("", "PodLogOptions", name, causes);
        }
    }

    private static Long number(Map<String, List<String>> query, String name) {
        String value = first(query, name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": " + value);
        }
    }

    /** Upstream's validateContainer for logs: the only container, or the named one, which must exist. */
    private static String logContainer(Pod pod, String container) {
        String name = pod.getMetadata().getName();
        if (container == null || container.isEmpty()) {
            return switch (pod.getSpec().getContainers().size()) {
                case 1 -> pod.getSpec().getContainers().getFirst().getName();
                case 0 -> throw ApiException.badRequest("a container name must be specified for pod " + name);
                default -> throw ApiException.badRequest("a container name must be specified for pod " + name + ", choose one of: ["
                        + String.join(" ", allContainerNames(pod)) + "]");
            };
        }
        if (!allContainerNames(pod).contains(container)) {
            throw ApiException.badRequest("container " + container + " is not valid for pod " + name);
        }
        return container;
    }

    /** Upstream's streamLocation container choice for exec and attach (init containers named separately). */
    private static String streamContainer(Pod pod, String container) {
        String name = pod.getMetadata().getName();
        if (container == null || container.isEmpty()) {
            return switch (pod.getSpec().getContainers().size()) {
                case 1 -> pod.getSpec().getContainers().getFirst().getName();
                case 0 -> throw ApiException.badRequest("a container name must be specified for pod " + name);
                default -> {
                    String message = "a container name must be specified for pod " + name + ", choose one of: ["
                            + String.join(" ", names(pod.getSpec().getContainers())) + "]";
                    List<String> init = names(pod.getSpec().getInitContainers());
                    if (!init.isEmpty()) {
                        message += " or one of the init containers: [" + String.join(" ", init) + "]";
                    }
                    throw ApiException.badRequest(message);
                }
            };
        }
        if (!allContainerNames(pod).contains(container)) {
            throw ApiException.badRequest("container " + container + " is not valid for pod " + name);
        }
        return container;
    }

    private static List<String> allContainerNames(Pod pod) {
        List<String> all = new ArrayList<>(names(pod.getSpec().getInitContainers()));
        all.addAll(names(pod.getSpec().getContainers()));
        if (pod.getSpec().getEphemeralContainers() != null) {
            pod.getSpec().getEphemeralContainers().forEach(c -> all.add(c.getName()));
        }
        return all;
    }

    private static List<String> names(List<Container> containers) {
        return containers == null ? List.of() : containers.stream().map(Container::getName).toList();
    }

    /** The kubelet of the pod's node: its InternalIP and the port its status reports. */
    private URI kubelet(Pod pod, String path, List<String> params) {
        Node node = nodes.get(null, pod.getSpec().getNodeName());
        String segments = java.util.Arrays.stream(path.split("/")).map(StreamLocations::encode).collect(Collectors.joining("/"));
        return URI.create(KubeletConnection.baseUri(node) + segments + (params.isEmpty() ? "" : "?" + String.join("&", params)));
    }

    private static String first(Map<String, List<String>> query, String name) {
        var values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
