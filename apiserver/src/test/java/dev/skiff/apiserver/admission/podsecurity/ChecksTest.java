package dev.skiff.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.apiserver.admission.podsecurity.Policy.Level;
import dev.skiff.apiserver.admission.podsecurity.Policy.LevelVersion;
import dev.skiff.apiserver.admission.podsecurity.Policy.Version;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each check of the Pod Security Standards with upstream's reason and detail. */
class ChecksTest {
    private static final LevelVersion BASELINE = new LevelVersion(Level.BASELINE, Version.LATEST);
    private static final LevelVersion RESTRICTED = new LevelVersion(Level.RESTRICTED, Version.LATEST);

    /** A pod that passes restricted: the edits make it fail one check at a time. */
    private static PodBuilder restrictedPod() {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
                .withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addToContainers(restrictedContainer("a"))
                .endSpec();
    }

    private static io.fabric8.kubernetes.api.model.Container restrictedContainer(String name) {
        return new ContainerBuilder().withName(name).withImage("busybox").withSecurityContext(new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().build()).build();
    }

    private static List<String> failures(LevelVersion policy, Pod pod) {
        return Checks.evaluate(policy, pod.getMetadata(), pod.getSpec()).stream().map(Checks.Failure::toString).toList();
    }

    private static Pod edited(UnaryOperator<PodBuilder> edit) {
        return edit.apply(restrictedPod()).build();
    }

    private static Pod withContainer(UnaryOperator<SecurityContextBuilder> edit) {
        var sc = edit.apply(new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities());
        return edited(b -> b.editSpec().withContainers(new ContainerBuilder().withName("a").withImage("busybox").withSecurityContext(sc.build())
                .build()).endSpec());
    }

    @Test
    void aRestrictedPodPassesEveryLevelAndPrivilegedPassesAnything() {
        assertThat(failures(RESTRICTED, restrictedPod().build())).isEmpty();
        assertThat(failures(BASELINE, restrictedPod().build())).isEmpty();
        Pod bad = edited(b -> b.editSpec().withHostNetwork(true).endSpec());
        assertThat(failures(new LevelVersion(Level.PRIVILEGED, Version.LATEST), bad)).isEmpty();
    }

    @Test
    void aBarePodFailsRestrictedInUpstreamsOrderAndPassesBaseline() {
        Pod bare = new PodBuilder().withNewMetadata().withName("x").endMetadata().withNewSpec()
                .addNewContainer().withName("x").withImage("busybox").endContainer().endSpec().build();
        assertThat(failures(BASELINE, bare)).isEmpty();
        assertThat(Checks.details(Checks.evaluate(RESTRICTED, bare.getMetadata(), bare.getSpec()))).isEqualTo(
                "allowPrivilegeEscalation != false (container \"x\" must set securityContext.allowPrivilegeEscalation=false), "
                        + "unrestricted capabilities (container \"x\" must set securityContext.capabilities.drop=[\"ALL\"]), "
                        + "runAsNonRoot != true (pod or container \"x\" must set securityContext.runAsNonRoot=true), "
                        + "seccompProfile (pod or container \"x\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        assertThat(Checks.reasons(Checks.evaluate(RESTRICTED, bare.getMetadata(), bare.getSpec())))
                .isEqualTo("allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile");
    }

    @Test
    void hostNamespaces() {
        assertThat(failures(BASELINE, edited(b -> b.editSpec().withHostNetwork(true).withHostPID(true).withHostIPC(true).endSpec())))
                .containsExactly("host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)");
    }

    @Test
    void privileged() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withPrivileged(true))))
                .containsExactly("privileged (container \"a\" must not set securityContext.privileged=true)");
    }

    @Test
    void capabilitiesBeyondTheBaselineSet() {
        Pod pod = withContainer(sc -> sc.withNewCapabilities().withAdd("NET_ADMIN", "CHOWN", "SYS_TIME").endCapabilities());
        assertThat(failures(BASELINE, pod)).containsExactly("non-default capabilities (container \"a\" must not include \"NET_ADMIN\", "
                + "\"SYS_TIME\" in securityContext.capabilities.add)");
        assertThat(failures(RESTRICTED, pod)).containsExactly("unrestricted capabilities (container \"a\" must set "
                + "securityContext.capabilities.drop=[\"ALL\"]; container \"a\" must not include \"CHOWN\", \"NET_ADMIN\", \"SYS_TIME\" "
                + "in securityContext.capabilities.add)");
        assertThat(failures(RESTRICTED, withContainer(sc -> sc.withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities())))
                .isEmpty();
    }

    @Test
    void hostPathVolumesAndRestrictedVolumeTypes() {
        Pod pod = edited(b -> b.editSpec().addNewVolume().withName("host").withNewHostPath().withPath("/").endHostPath().endVolume()
                .addNewVolume().withName("nfs").withNewNfs().withServer("s").withPath("/").endNfs().endVolume()
                .addNewVolume().withName("cm").withNewConfigMap().withName("c").endConfigMap().endVolume().endSpec());
        assertThat(failures(BASELINE, pod)).containsExactly("hostPath volumes (volume \"host\")");
        assertThat(failures(RESTRICTED, pod)).containsExactly("restricted volume types (volumes \"host\", \"nfs\" use restricted volume types "
                + "\"hostPath\", \"nfs\")");
    }

    @Test
    void hostPorts() {
        Pod pod = edited(b -> b.editSpec().editFirstContainer().addNewPort().withContainerPort(80).withHostPort(8080).endPort()
                .addNewPort().withContainerPort(81).withHostPort(8081).endPort().endContainer().endSpec());
        assertThat(failures(BASELINE, pod)).containsExactly("hostPort (container \"a\" uses hostPorts 8080, 8081)");
    }

    @Test
    void appArmor() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withNewAppArmorProfile().withType("Unconfined").endAppArmorProfile())))
                .containsExactly("forbidden AppArmor profile (container \"a\" must not set AppArmor profile type to \"Unconfined\")");
        assertThat(failures(BASELINE, edited(b -> b.editMetadata().addToAnnotations("container.apparmor.security.beta.kubernetes.io/a", "unconfined")
                .endMetadata()))).containsExactly("forbidden AppArmor profile (annotation must not set AppArmor profile type to "
                + "\"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\")"); // %q inside joinQuote, unescaped as upstream
    }

    @Test
    void seLinux() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withNewSeLinuxOptions().withType("spc_t").withUser("root").endSeLinuxOptions())))
                .containsExactly("seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set)");
        assertThat(failures(BASELINE, withContainer(sc -> sc.withNewSeLinuxOptions().withType("container_engine_t").endSeLinuxOptions()))).isEmpty();
        assertThat(failures(new LevelVersion(Level.BASELINE, Version.of(30)),
                withContainer(sc -> sc.withNewSeLinuxOptions().withType("container_engine_t").endSeLinuxOptions())))
                .containsExactly("seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")");
    }

    @Test
    void procMount() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withProcMount("Unmasked"))))
                .containsExactly("procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")");
    }

    @Test
    void seccomp() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withNewSeccompProfile().withType("Unconfined").endSeccompProfile())))
                .containsExactly("seccompProfile (container \"a\" must not set securityContext.seccompProfile.type to \"Unconfined\")");
        Pod unset = edited(b -> b.editSpec().editSecurityContext().withSeccompProfile(null).endSecurityContext().endSpec());
        assertThat(failures(BASELINE, unset)).isEmpty();
        assertThat(failures(RESTRICTED, unset)).containsExactly("seccompProfile (pod or container \"a\" must set "
                + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        // before policy 1.19 the alpha annotations were checked instead, and restricted asked for nothing more
        Pod annotated = edited(b -> b.editMetadata().addToAnnotations("seccomp.security.alpha.kubernetes.io/pod", "unconfined").endMetadata());
        assertThat(failures(new LevelVersion(Level.RESTRICTED, Version.of(18)), annotated))
                .containsExactly("seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")");
    }

    @Test
    void sysctlsByVersion() {
        Pod pod = edited(b -> b.editSpec().editSecurityContext().addNewSysctl().withName("net.ipv4.tcp_rmem").withValue("1").endSysctl()
                .addNewSysctl().withName("kernel.msgmax").withValue("1").endSysctl().endSecurityContext().endSpec());
        assertThat(failures(BASELINE, pod)).containsExactly("forbidden sysctls (kernel.msgmax)");
        assertThat(failures(new LevelVersion(Level.BASELINE, Version.of(31)), pod))
                .containsExactly("forbidden sysctls (net.ipv4.tcp_rmem, kernel.msgmax)");
    }

    @Test
    void restrictedFieldsAllowPrivilegeEscalationRunAsNonRootRunAsUser() {
        Pod pod = edited(b -> b.editSpec().editSecurityContext().withRunAsNonRoot(false).withRunAsUser(0L).endSecurityContext()
                .withContainers(new ContainerBuilder().withName("a").withImage("busybox").withSecurityContext(new SecurityContextBuilder()
                        .withAllowPrivilegeEscalation(true).withRunAsNonRoot(false).withRunAsUser(0L).withNewCapabilities().withDrop("ALL")
                        .endCapabilities().build()).build(), restrictedContainer("b")).endSpec());
        assertThat(failures(RESTRICTED, pod)).containsExactly(
                "allowPrivilegeEscalation != false (container \"a\" must set securityContext.allowPrivilegeEscalation=false)",
                "runAsNonRoot != true (pod and container \"a\" must not set securityContext.runAsNonRoot=false)",
                "runAsUser=0 (pod and container \"a\" must not set runAsUser=0)");
        // runAsUser is checked from policy 1.23 on
        assertThat(failures(new LevelVersion(Level.RESTRICTED, Version.of(22)), pod)).noneMatch(f -> f.startsWith("runAsUser"));
    }

    @Test
    void windowsPodsNeedNotSetLinuxOnlyFieldsFromPolicy125() {
        Pod windows = new PodBuilder().withNewMetadata().withName("w").endMetadata().withNewSpec().withNewOs().withName("windows").endOs()
                .withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
                .addNewContainer().withName("w").withImage("i").endContainer().endSpec().build();
        assertThat(failures(RESTRICTED, windows)).isEmpty();
        assertThat(failures(new LevelVersion(Level.RESTRICTED, Version.of(24)), windows)).hasSize(3);
    }

    @Test
    void windowsHostProcess() {
        assertThat(failures(BASELINE, withContainer(sc -> sc.withNewWindowsOptions().withHostProcess(true).endWindowsOptions())))
                .containsExactly("hostProcess (container \"a\" must not set securityContext.windowsOptions.hostProcess=true)");
    }

    @Test
    void severalContainersArePluralised() {
        Pod pod = edited(b -> b.editSpec().withContainers(
                new ContainerBuilder().withName("a").withImage("i").withSecurityContext(new SecurityContextBuilder().withPrivileged(true).build()).build(),
                new ContainerBuilder().withName("b").withImage("i").withSecurityContext(new SecurityContextBuilder().withPrivileged(true).build()).build())
                .endSpec());
        assertThat(failures(BASELINE, pod)).containsExactly("privileged (containers \"a\", \"b\" must not set securityContext.privileged=true)");
    }
}
