package dev.skiff.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.admission.AdmissionChain;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.endpoints.Warnings;
import dev.skiff.apiserver.request.RequestInfoResolver;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The plugin's decisions: enforce refuses pods, warn warns, workloads only warn, namespaces are checked and warn about their pods. */
class PodSecurityTest {
    private final Map<String, Namespace> namespaces = new HashMap<>();
    private final List<Pod> pods = new ArrayList<>();
    private PodSecurityConfiguration configuration = PodSecurityConfiguration.DEFAULT;
    private String user = "a";
    private final Warnings warnings = new Warnings();

    private void namespace(String name, String... labels) {
        namespaces.put(name, ns(name, labels));
    }

    private static Namespace ns(String name, String... labels) {
        var b = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
        for (int i = 0; i < labels.length; i += 2) {
            b.editMetadata().addToLabels(labels[i], labels[i + 1]).endMetadata();
        }
        return b.build();
    }

    private void admit(String method, String path, HasMetadata object, HasMetadata old) {
        admit(method, path, object, old, warnings);
    }

    private void admit(String method, String path, HasMetadata object, HasMetadata old, Warnings into) {
        var chain = new AdmissionChain(List.of(new PodSecurity(n -> Optional.ofNullable(namespaces.get(n)),
                ns -> pods.stream().filter(p -> p.getMetadata().getNamespace().equals(ns)).toList(), Clock.systemUTC(), configuration)));
        chain.forObjects(new UserInfo(user, List.of()), RequestInfoResolver.resolve(method, path, Map.of()), into).admit(object, old, false);
    }

    private static PodSecurityConfiguration configuration(String yaml) throws Exception {
        return PodSecurityConfiguration.from(new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(yaml));
    }

    @Test
    void configuredDefaultsApplyToUnlabelledNamespacesAndLabelsOverrideThem() throws Exception {
        configuration = configuration("""
                apiVersion: pod-security.admission.config.k8s.io/v1
                kind: PodSecurityConfiguration
                defaults: {enforce: baseline, enforce-version: v1.30, warn: restricted}
                """);
        namespace("plain");
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/plain/pods", pod("plain", "priv", true), null))
                .hasMessageStartingWith("pods \"priv\" is forbidden: violates PodSecurity \"baseline:v1.30\": privileged");
        admit("POST", "/api/v1/namespaces/plain/pods", pod("plain", "ok", false), null);
        assertThat(warnings.all()).singleElement().asString().startsWith("would violate PodSecurity \"restricted:latest\"");
        namespace("open", Policy.ENFORCE, "privileged", Policy.WARN, "privileged");
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/open/pods", pod("open", "priv", true), null)).doesNotThrowAnyException();
    }

    @Test
    void exemptNamespacesUsersAndRuntimeClassesAreNotChecked() throws Exception {
        configuration = configuration("""
                apiVersion: pod-security.admission.config.k8s.io/v1
                kind: PodSecurityConfiguration
                defaults: {enforce: restricted}
                exemptions: {usernames: ["system:serviceaccount:kube-system:installer"], runtimeClasses: [kata], namespaces: [kube-system]}
                """);
        namespace("kube-system");
        namespace("apps");
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/kube-system/pods", pod("kube-system", "priv", true), null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/apps/pods", pod("apps", "priv", true), null)).isInstanceOf(ApiException.class);
        Pod kata = new PodBuilder(pod("apps", "kata", true)).editSpec().withRuntimeClassName("kata").endSpec().build();
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/apps/pods", kata, null)).doesNotThrowAnyException();
        user = "system:serviceaccount:kube-system:installer";
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/apps/pods", pod("apps", "priv", true), null)).doesNotThrowAnyException();
        assertThat(warnings.all()).isEmpty();

        // labelling an exempt namespace is allowed with upstream's warning; its existing pods are not evaluated
        pods.add(pod("kube-system", "running", true));
        var onUpdate = new Warnings();
        admit("POST", "/api/v1/namespaces", ns("kube-system", Policy.ENFORCE, "baseline", Policy.AUDIT + "-version", "v1.29"), null);
        admit("PUT", "/api/v1/namespaces/kube-system", ns("kube-system", Policy.ENFORCE, "baseline"), ns("kube-system", Policy.ENFORCE, "privileged"),
                onUpdate);
        assertThat(onUpdate.all()).isEqualTo(warnings.all());
        assertThat(warnings.all()).as("on create and on a stricter update").singleElement().matches(w -> w.equals("namespace \"kube-system\" is exempt from Pod Security, and the policy (enforce=baseline:latest) "
                + "will be ignored"));
        // and an ordinary namespace made stricter warns about its pods, but not those of an exempt runtime class
        pods.add(kata);
        user = "a";
        namespace("apps", Policy.ENFORCE, "privileged");
        admit("PUT", "/api/v1/namespaces/apps", ns("apps", Policy.ENFORCE, "baseline"), ns("apps", Policy.ENFORCE, "privileged"));
        assertThat(warnings.all()).hasSize(1);
    }

    @Test
    void aBadConfigurationIsRefusedWithEveryProblem() {
        assertThatThrownBy(() -> configuration("""
                apiVersion: pod-security.admission.config.k8s.io/v1
                kind: PodSecurityConfiguration
                defaults: {enforce: strict, warn-version: "1.2"}
                exemptions: {namespaces: [Bad_Name, ok, ok], usernames: [""]}
                """)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("[defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted, "
                        + "defaults.warn-version: Invalid value: \"1.2\": must be \"latest\" or \"v1.x\", exemptions.namespaces[0]: Invalid value: \"Bad_Name\": ")
                .hasMessageContaining("exemptions.namespaces[2]: Duplicate value: \"ok\"")
                .hasMessageEndingWith("exemptions.usernames[0]: Invalid value: \"\": username must not be empty]");
        assertThatThrownBy(() -> configuration("{apiVersion: v1, kind: ConfigMap}")).hasMessageContaining("expected PodSecurityConfiguration");
    }

    private static Pod pod(String namespace, String name, boolean privileged) {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("busybox").withNewSecurityContext().withPrivileged(privileged ? true : null).endSecurityContext()
                .endContainer().endSpec().build();
    }

    @Test
    void enforceRefusesAPodWithUpstreamsStatus() {
        namespace("locked", Policy.ENFORCE, "restricted");
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/locked/pods", pod("locked", "x", false), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(403);
                    assertThat(e.reason()).isEqualTo("Forbidden");
                    assertThat(e.status().getDetails().getName()).isEqualTo("x");
                    assertThat(e.status().getDetails().getKind()).isEqualTo("pods");
                    assertThat(e.getMessage()).isEqualTo("pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": "
                            + "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
                            + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                            + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
                            + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
                });
        assertThat(warnings.all()).isEmpty(); // a refused request gets no warning as well
    }

    @Test
    void warnAndAPrivilegedDefaultLetPodsIn() {
        namespace("open");
        assertThatCode(() -> admit("POST", "/api/v1/namespaces/open/pods", pod("open", "p", true), null)).doesNotThrowAnyException();
        assertThat(warnings.all()).isEmpty();
        namespace("watched", Policy.ENFORCE, "baseline", Policy.WARN, "restricted", Policy.WARN + "-version", "v1.30");
        admit("POST", "/api/v1/namespaces/watched/pods", pod("watched", "ok", false), null);
        assertThat(warnings.all()).containsExactly("would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false "
                + "(container \"c\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"c\" must set "
                + "securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"c\" must set "
                + "securityContext.runAsNonRoot=true), seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to "
                + "\"RuntimeDefault\" or \"Localhost\")");
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces/watched/pods", pod("watched", "priv", true), null))
                .hasMessage("pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set "
                        + "securityContext.privileged=true)");
    }

    @Test
    void podUpdatesAreCheckedOnlyWhenImagesChangeAndStatusIsNot() {
        namespace("locked", Policy.ENFORCE, "baseline");
        Pod old = pod("locked", "p", true);
        Pod relabelled = new PodBuilder(old).editMetadata().addToLabels("a", "b").endMetadata().build();
        assertThatCode(() -> admit("PUT", "/api/v1/namespaces/locked/pods/p", relabelled, old)).doesNotThrowAnyException();
        assertThatCode(() -> admit("PUT", "/api/v1/namespaces/locked/pods/p/status", old, old)).doesNotThrowAnyException();
        Pod newImage = new PodBuilder(old).editSpec().editFirstContainer().withImage("nginx").endContainer().endSpec().build();
        assertThatThrownBy(() -> admit("PUT", "/api/v1/namespaces/locked/pods/p", newImage, old)).isInstanceOf(ApiException.class);
    }

    @Test
    void workloadsAreWarnedNotRefused() {
        namespace("locked", Policy.ENFORCE, "baseline");
        var deployment = new DeploymentBuilder().withNewMetadata().withNamespace("locked").withName("d").endMetadata().withNewSpec()
                .withNewTemplate().withSpec(pod("locked", "t", true).getSpec()).endTemplate().endSpec().build();
        assertThatCode(() -> admit("POST", "/apis/apps/v1/namespaces/locked/deployments", deployment, null)).doesNotThrowAnyException();
        assertThat(warnings.all()).containsExactly("would violate PodSecurity \"baseline:latest\": privileged (container \"c\" must not set "
                + "securityContext.privileged=true)");
    }

    @Test
    void namespaceLabelsMustBeValid() {
        assertThatThrownBy(() -> admit("POST", "/api/v1/namespaces", ns("bad", Policy.ENFORCE, "strict"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.getMessage()).isEqualTo("Namespace \"bad\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: "
                            + "Invalid value: \"strict\": must be one of privileged, baseline, restricted");
                });
        // an update that keeps the same invalid labels is let through, one that changes them is not
        Namespace invalid = ns("bad", Policy.ENFORCE, "strict");
        assertThatCode(() -> admit("PUT", "/api/v1/namespaces/bad", ns("bad", Policy.ENFORCE, "strict", "x", "y"), invalid)).doesNotThrowAnyException();
        assertThatThrownBy(() -> admit("PUT", "/api/v1/namespaces/bad", ns("bad", Policy.ENFORCE, "stricter"), invalid))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void aStricterEnforceLevelWarnsAboutTheExistingPods() {
        Namespace open = ns("team");
        pods.add(pod("team", "web-2", true));
        pods.add(pod("team", "web-1", true));
        pods.add(pod("team", "fine", false));
        pods.add(pod("other", "elsewhere", true));
        admit("PUT", "/api/v1/namespaces/team", ns("team", Policy.ENFORCE, "baseline"), open);
        assertThat(warnings.all()).containsExactly(
                "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"baseline:latest\"",
                "web-1 (and 1 other pod): privileged");
        var restricted = new Warnings();
        admit("PUT", "/api/v1/namespaces/team", ns("team", Policy.ENFORCE, "restricted"), ns("team", Policy.ENFORCE, "baseline"), restricted);
        assertThat(restricted.all()).containsExactly(
                "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"restricted:latest\"",
                "fine: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
                "web-1 (and 1 other pod): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile");
        // relaxing the level, or keeping it, checks nothing
        var relaxed = new Warnings();
        admit("PUT", "/api/v1/namespaces/team", ns("team", Policy.ENFORCE, "baseline"), ns("team", Policy.ENFORCE, "restricted"), relaxed);
        assertThat(relaxed.all()).isEmpty();
    }
}
