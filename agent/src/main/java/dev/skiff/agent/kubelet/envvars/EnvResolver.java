package dev.skiff.agent.kubelet.envvars;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A container's environment as the kubelet makes it (upstream: kubelet_pods.go
 * makeEnvironmentVariables and expansion): envFrom config maps and secrets (with prefix; keys that
 * are not valid variable names skipped), then env with valueFrom resolved - configMapKeyRef and
 * secretKeyRef read from the API server, fieldRef from the pod (incl. status.podIP, known once the
 * sandbox has its IP), resourceFieldRef from the container's requests and limits (a missing limit is
 * the node's allocatable) - and $(VAR) references expanded in env values, command and args ($$
 * escapes). A missing object or key of a non-optional reference is an IllegalArgumentException with
 * upstream's message; the pod then waits with CreateContainerConfigError.
 */
public final class EnvResolver {
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private final KubernetesClient client;
    private final Function<String, Quantity> nodeAllocatable;

    public EnvResolver(KubernetesClient client, Function<String, Quantity> nodeAllocatable) {
        this.client = client;
        this.nodeAllocatable = nodeAllocatable;
    }

    /** The node's allocatable amount of {@code resource} (what a missing limit stands for). */
    public Quantity nodeAllocatable(String resource) {
        return nodeAllocatable.apply(resource);
    }

    /** The pod with every container's (init containers' too) env resolved to plain values and $(VAR) expanded; {@code podIp} once the sandbox has it. */
    public Pod resolve(Pod pod, String podIp, String hostIp) {
        List<Container> containers = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            containers.add(resolve(pod, c, podIp, hostIp));
        }
        List<Container> initContainers = new ArrayList<>();
        for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
            initContainers.add(resolve(pod, c, podIp, hostIp));
        }
        return new PodBuilder(pod).editSpec().withContainers(containers).withInitContainers(initContainers).endSpec().build();
    }

    private Container resolve(Pod pod, Container c, String podIp, String hostIp) {
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            Map<String, String> data = new LinkedHashMap<>();
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get();
                if (cm == null) {
                    if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        continue;
                    }
                    throw new IllegalArgumentException("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                }
                data.putAll(cm.getData() == null ? Map.of() : cm.getData());
            } else if (from.getSecretRef() != null) {
                Secret secret = client.secrets().inNamespace(ns).withName(from.getSecretRef().getName()).get();
                if (secret == null) {
                    if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        continue;
                    }
                    throw new IllegalArgumentException("secret \"" + from.getSecretRef().getName() + "\" not found");
                }
                decoded(secret).forEach(data::put);
            }
            data.forEach((k, v) -> {
                if (ENV_NAME.matcher(prefix + k).matches()) {
                    env.put(prefix + k, v);
                }
            });
        }
        for (EnvVar var : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            String value = var.getValueFrom() == null ? expand(var.getValue() == null ? "" : var.getValue(), env)
                    : valueFrom(pod, c, var.getValueFrom(), podIp, hostIp);
            if (value != null) {
                env.put(var.getName(), value);
            }
        }
        List<EnvVar> resolved = new ArrayList<>();
        env.forEach((k, v) -> resolved.add(new EnvVar(k, v, null)));
        var builder = new ContainerBuilder(c).withEnv(resolved).withEnvFrom(List.of());
        if (c.getCommand() != null) {
            builder.withCommand(c.getCommand().stream().map(s -> expand(s, env)).toList());
        }
        if (c.getArgs() != null) {
            builder.withArgs(c.getArgs().stream().map(s -> expand(s, env)).toList());
        }
        return builder.build();
    }

    /** The value, or null for an optional reference that is missing (the variable is then not set). */
    private String valueFrom(Pod pod, Container c, EnvVarSource from, String podIp, String hostIp) {
        String ns = pod.getMetadata().getNamespace();
        if (from.getConfigMapKeyRef() != null) {
            var ref = from.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            ConfigMap cm = client.configMaps().inNamespace(ns).withName(ref.getName()).get();
            if (cm == null) {
                if (optional) {
                    return null;
                }
                throw new IllegalArgumentException("configmap \"" + ref.getName() + "\" not found");
            }
            String v = cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (v == null && !optional) {
                throw new IllegalArgumentException("couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
            }
            return v;
        }
        if (from.getSecretKeyRef() != null) {
            var ref = from.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
            if (secret == null) {
                if (optional) {
                    return null;
                }
                throw new IllegalArgumentException("secret \"" + ref.getName() + "\" not found");
            }
            String v = decoded(secret).get(ref.getKey());
            if (v == null && !optional) {
                throw new IllegalArgumentException("couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
            }
            return v;
        }
        if (from.getFieldRef() != null) {
            return field(pod, from.getFieldRef(), podIp, hostIp);
        }
        if (from.getResourceFieldRef() != null) {
            return resource(c, from.getResourceFieldRef());
        }
        throw new IllegalArgumentException("env valueFrom has no source");
    }

    private static Map<String, String> decoded(Secret secret) {
        Map<String, String> out = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }

    /** The downward API's env fields (upstream's podFieldSelectorRuntimeValue). */
    public static String field(Pod pod, ObjectFieldSelector selector, String podIp, String hostIp) {
        String path = selector.getFieldPath();
        var meta = pod.getMetadata();
        var labelOrAnnotation = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
        if (labelOrAnnotation.matches()) {
            Map<String, String> map = labelOrAnnotation.group(1).equals("labels") ? meta.getLabels() : meta.getAnnotations();
            return map == null ? "" : map.getOrDefault(labelOrAnnotation.group(2), "");
        }
        return switch (path) {
            case "metadata.name" -> meta.getName();
            case "metadata.namespace" -> meta.getNamespace();
            case "metadata.uid" -> meta.getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
            case "status.hostIP", "status.hostIPs" -> hostIp;
            case "status.podIP", "status.podIPs" -> podIp;
            default -> throw new IllegalArgumentException("unsupported fieldPath: " + path);
        };
    }

    /** A container's request or limit in units of the divisor, rounded up (upstream's ExtractContainerResourceValue). */
    public String resource(Container c, ResourceFieldSelector ref) {
        String name = ref.getResource();
        int dot = name.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("unsupported container resource: " + name);
        }
        String kind = name.substring(0, dot);
        String resource = name.substring(dot + 1);
        var r = c.getResources();
        Map<String, Quantity> values = r == null ? null : "limits".equals(kind) ? r.getLimits() : r.getRequests();
        Quantity q = values == null ? null : values.get(resource);
        if (q == null && "requests".equals(kind) && r != null && r.getLimits() != null) {
            q = r.getLimits().get(resource); // a request defaults to the limit
        }
        if (q == null) {
            q = "limits".equals(kind) ? nodeAllocatable.apply(resource) : new Quantity("0");
        }
        BigDecimal divisor = ref.getDivisor() == null ? BigDecimal.ONE : Quantity.getAmountInBytes(ref.getDivisor());
        if (divisor.signum() == 0) {
            divisor = BigDecimal.ONE;
        }
        return Quantity.getAmountInBytes(q).divide(divisor, 0, RoundingMode.CEILING).toPlainString();
    }

    /** Upstream's expansion: $(VAR) becomes VAR's value when defined (else stays as written), $$ is a literal $. */
    public static String expand(String input, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < input.length(); i++) {
            char ch = input.charAt(i);
            if (ch == '$' && i + 1 < input.length()) {
                char next = input.charAt(i + 1);
                if (next == '$') {
                    out.append('$');
                    i++;
                    continue;
                }
                if (next == '(') {
                    int close = input.indexOf(')', i + 2);
                    if (close > 0) {
                        String name = input.substring(i + 2, close);
                        if (env.containsKey(name)) {
                            out.append(env.get(name));
                        } else {
                            out.append(input, i, close + 1);
                        }
                        i = close;
                        continue;
                    }
                }
            }
            out.append(ch);
        }
        return out.toString();
    }
}
