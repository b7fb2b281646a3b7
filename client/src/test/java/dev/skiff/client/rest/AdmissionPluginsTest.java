package dev.skiff.client.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.apiserver.admission.AdmissionOptions;
import dev.skiff.apiserver.controlplane.LocalControlPlane;
import dev.skiff.apiserver.registry.core.serviceaccount.TokenExpiration;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --disable-admission-plugins on a real server: the same pods created on a server with upstream's
 * default plugins and on one with ServiceAccount, Priority, DefaultTolerationSeconds and
 * NamespaceLifecycle off; on the second none of them acts.
 */
class AdmissionPluginsTest {
    @TempDir
    static Path dir;
    private static LocalControlPlane defaults;
    private static LocalControlPlane disabled;
    private static KubernetesClient withDefaults;
    private static KubernetesClient withDisabled;

    @BeforeAll
    static void start() {
        defaults = LocalControlPlane.start(dir.resolve("defaults"), 0, AdmissionOptions.defaults(), TokenExpiration.defaults());
        // the flags' order is not the plugins' order; an upstream plugin skiff does not run may be disabled too
        disabled = LocalControlPlane.start(dir.resolve("disabled"), 0, new AdmissionOptions(List.of(),
                List.of("DefaultTolerationSeconds", "ServiceAccount", "PodSecurity", "Priority", "NamespaceLifecycle")), TokenExpiration.defaults());
        withDefaults = RestClients.fromKubeconfig(defaults.kubeconfig());
        withDisabled = RestClients.fromKubeconfig(disabled.kubeconfig());
        for (var client : List.of(withDefaults, withDisabled)) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName("adm").endMetadata().build()).create();
            for (String account : List.of("default", "robot")) { // no controller here makes "default"
                client.resource(new ServiceAccountBuilder().withNewMetadata().withNamespace("adm").withName(account).endMetadata().build()).create();
            }
        }
    }

    @AfterAll
    static void stop() {
        withDefaults.close();
        withDisabled.close();
        defaults.close();
        disabled.close();
    }

    private static Pod pod(String namespace, String name, String serviceAccount, String priorityClass) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().withNewSpec()
                .withServiceAccountName(serviceAccount).withPriorityClassName(priorityClass)
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    private static int refusal(KubernetesClient client, Pod pod) {
        try {
            client.resource(pod).create();
            return 0;
        } catch (KubernetesClientException e) {
            return e.getCode();
        }
    }

    @Test
    void serviceAccountOffAdmitsAPodOfAMissingAccountWithoutATokenVolume() {
        assertThatThrownBy(() -> withDefaults.resource(pod("adm", "ghostly", "ghost", null)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        Pod created = withDisabled.resource(pod("adm", "ghostly", "ghost", null)).create();
        assertThat(created.getSpec().getServiceAccountName()).isEqualTo("ghost");
        assertThat(created.getSpec().getVolumes()).noneMatch(v -> v.getName().startsWith("kube-api-access-"));
        assertThat(created.getSpec().getContainers().getFirst().getVolumeMounts()).isEmpty();
    }

    @Test
    void defaultTolerationSecondsOffAddsNoTolerations() {
        Pod tolerating = withDefaults.resource(pod("adm", "tolerating", "robot", null)).create();
        assertThat(tolerating.getSpec().getTolerations()).extracting(Toleration::getKey)
                .containsExactlyInAnyOrder("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable");
        Pod plain = withDisabled.resource(pod("adm", "plain", "robot", null)).create();
        assertThat(plain.getSpec().getTolerations()).isEmpty();
    }

    @Test
    void priorityOffLeavesThePriorityUnsetAndDoesNotLookUpTheClass() {
        assertThat(refusal(withDefaults, pod("adm", "classy", "default", "no-such-class"))).isEqualTo(403);
        Pod classy = withDisabled.resource(pod("adm", "classy", "default", "no-such-class")).create();
        assertThat(classy.getSpec().getPriority()).isNull();
        assertThat(classy.getSpec().getPriorityClassName()).isEqualTo("no-such-class");
    }

    @Test
    void namespaceLifecycleOffAdmitsObjectsInANamespaceThatDoesNotExist() {
        var configMap = new ConfigMapBuilder().withNewMetadata().withNamespace("nowhere").withName("lost").endMetadata().build();
        assertThatThrownBy(() -> withDefaults.resource(configMap).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        assertThat(withDisabled.resource(configMap).create().getMetadata().getNamespace()).isEqualTo("nowhere");
    }
}
