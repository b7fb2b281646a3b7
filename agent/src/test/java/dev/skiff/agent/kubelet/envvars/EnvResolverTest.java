package dev.skiff.agent.kubelet.envvars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.client.rest.RestClients;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Container environments resolved against the real API server. */
class EnvResolverTest {
    @TempDir
    Path dir;
    private LocalControlPlane controlPlane;
    private KubernetesClient client;
    private EnvResolver resolver;

    @BeforeEach
    void start() {
        controlPlane = LocalControlPlane.start(dir);
        client = RestClients.fromKubeconfig(controlPlane.kubeconfig());
        resolver = new EnvResolver(client, resource -> resource.equals("memory") ? new Quantity("8Gi") : new Quantity("4"));
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("conf").withNamespace("default").endMetadata()
                .addToData("greeting", "hello").addToData("LEVEL", "debug").addToData("1bad", "skipped").build()).create();
        client.resource(new SecretBuilder().withNewMetadata().withName("creds").withNamespace("default").endMetadata()
                .addToStringData("password", "s3cret").build()).create();
    }

    @AfterEach
    void stop() {
        client.close();
        controlPlane.close();
    }

    @Test
    void resolvesReferencesFieldsResourcesAndExpansion() {
        Pod pod = pod("""
                {"name":"c","image":"busybox","command":["sh","-c","echo $(GREETING) $$(HOME)"],"args":["$(MY_POD_IP)","$(UNDEFINED)"],
                 "resources":{"limits":{"memory":"64Mi"},"requests":{"cpu":"250m"}},
                 "envFrom":[{"configMapRef":{"name":"conf"}},{"configMapRef":{"name":"conf"},"prefix":"CM_"}],
                 "env":[{"name":"GREETING","valueFrom":{"configMapKeyRef":{"name":"conf","key":"greeting"}}},
                        {"name":"PASSWORD","valueFrom":{"secretKeyRef":{"name":"creds","key":"password"}}},
                        {"name":"MY_POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
                        {"name":"MY_NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}},
                        {"name":"MY_APP","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}},
                        {"name":"MEM_MI","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}},
                        {"name":"CPU_LIMIT","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}},
                        {"name":"CPU_REQ_M","valueFrom":{"resourceFieldRef":{"resource":"requests.cpu","divisor":"1m"}}},
                        {"name":"OPTIONAL","valueFrom":{"configMapKeyRef":{"name":"missing","key":"x","optional":true}}},
                        {"name":"COMPOSED","value":"$(GREETING)-$(MY_NODE)"}]}""");
        Container c = resolver.resolve(pod, "10.42.0.9", "192.0.2.1").getSpec().getContainers().getFirst();
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : c.getEnv()) {
            env.put(v.getName(), v.getValue());
            assertThat(v.getValueFrom()).isNull();
        }
        assertThat(env).containsEntry("CM_greeting", "hello").containsEntry("LEVEL", "debug").doesNotContainKey("1bad")
                .containsEntry("CM_1bad", "skipped")
                .containsEntry("GREETING", "hello").containsEntry("PASSWORD", "s3cret").containsEntry("MY_POD_IP", "10.42.0.9")
                .containsEntry("MY_NODE", "worker").containsEntry("MY_APP", "web").containsEntry("MEM_MI", "64")
                .containsEntry("CPU_LIMIT", "4").containsEntry("CPU_REQ_M", "250").containsEntry("COMPOSED", "hello-worker")
                .doesNotContainKey("OPTIONAL");
        assertThat(c.getEnvFrom()).isEmpty();
        assertThat(c.getCommand()).containsExactly("sh", "-c", "echo hello $(HOME)");
        assertThat(c.getArgs()).containsExactly("10.42.0.9", "$(UNDEFINED)");
    }

    @Test
    void missingReferencesFailWithUpstreamsMessages() {
        assertThatThrownBy(() -> resolver.resolve(pod("""
                {"name":"c","image":"busybox","env":[{"name":"X","valueFrom":{"configMapKeyRef":{"name":"nope","key":"k"}}}]}"""), "", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("configmap \"nope\" not found");
        assertThatThrownBy(() -> resolver.resolve(pod("""
                {"name":"c","image":"busybox","env":[{"name":"X","valueFrom":{"configMapKeyRef":{"name":"conf","key":"k"}}}]}"""), "", ""))
                .hasMessage("couldn't find key k in ConfigMap default/conf");
        assertThatThrownBy(() -> resolver.resolve(pod("""
                {"name":"c","image":"busybox","env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"creds","key":"user"}}}]}"""), "", ""))
                .hasMessage("couldn't find key user in Secret default/creds");
        assertThatThrownBy(() -> resolver.resolve(pod("""
                {"name":"c","image":"busybox","envFrom":[{"secretRef":{"name":"gone"}}]}"""), "", ""))
                .hasMessage("secret \"gone\" not found");
    }

    @Test
    void expansionFollowsUpstreamsRules() {
        assertThat(EnvResolver.expand("$(A)$(B) $$(A) $(C) $", Map.of("A", "1", "B", "2"))).isEqualTo("12 $(A) $(C) $");
    }

    private static Pod pod(String containerJson) {
        Container c = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(containerJson, Container.class);
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").addToLabels("app", "web").withUid("u").endMetadata()
                .withNewSpec().withNodeName("worker").withContainers(List.of(c)).endSpec().build();
    }
}
