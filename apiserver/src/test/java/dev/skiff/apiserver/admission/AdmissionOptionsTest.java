package dev.skiff.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** --enable/--disable-admission-plugins resolved as kube-apiserver resolves them. */
class AdmissionOptionsTest {

    @Test
    void withoutFlagsUpstreamsDefaultOnPluginsRunInUpstreamsOrder() {
        List<String> enabled = AdmissionOptions.defaults().enabledPluginNames();
        assertThat(enabled).containsSubsequence("NamespaceLifecycle", "LimitRanger", "ServiceAccount", "Priority",
                "DefaultTolerationSeconds", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota");
        assertThat(enabled).doesNotContain("AlwaysPullImages", "NodeRestriction", "AlwaysAdmit", "AlwaysDeny", "NamespaceExists");
        assertThat(enabled.getFirst()).isEqualTo("NamespaceLifecycle");
        assertThat(enabled.getLast()).isEqualTo("ResourceQuota");
        assertThat(enabled).containsAll(AdmissionOptions.IMPLEMENTED);
    }

    @Test
    void disabledPluginsAreLeftOutAndTheOrderIsUpstreamsWhateverTheFlagsOrder() {
        var options = new AdmissionOptions(List.of("ResourceQuota", "ServiceAccount"), List.of("Priority", "NamespaceLifecycle", "PodSecurity"));
        assertThat(options.validate()).isEmpty();
        List<String> enabled = options.enabledPluginNames();
        assertThat(enabled).doesNotContain("Priority", "NamespaceLifecycle", "PodSecurity");
        assertThat(enabled.stream().filter(AdmissionOptions.IMPLEMENTED::contains).toList())
                .containsExactly("LimitRanger", "ServiceAccount", "DefaultTolerationSeconds", "ResourceQuota");
        assertThat(options.enabled("Priority")).isFalse();
        assertThat(options.enabled("DefaultTolerationSeconds")).isTrue();
    }

    @Test
    void unknownNamesAreRefusedInUpstreamsWords() {
        assertThat(new AdmissionOptions(List.of("NoSuchPlugin"), List.of()).validate())
                .containsExactly("enable-admission-plugins plugin \"NoSuchPlugin\" is unknown");
        assertThat(new AdmissionOptions(List.of(), List.of("serviceaccount")).validate())
                .containsExactly("disable-admission-plugins plugin \"serviceaccount\" is unknown");
        assertThatThrownBy(() -> new AdmissionOptions(List.of("Nope"), List.of("Nada")).validated())
                .hasMessage("[enable-admission-plugins plugin \"Nope\" is unknown, disable-admission-plugins plugin \"Nada\" is unknown]");
    }

    @Test
    void aPluginBothEnabledAndDisabledIsRefused() {
        assertThat(new AdmissionOptions(List.of("ServiceAccount", "Priority"), List.of("Priority", "ServiceAccount")).validate())
                .containsExactly("[Priority ServiceAccount] in enable-admission-plugins and disable-admission-plugins overlapped");
    }

    @Test
    void enablingAnUpstreamPluginSkiffDoesNotRunIsRefusedDisablingItIsNot() {
        assertThatThrownBy(() -> new AdmissionOptions(List.of("AlwaysPullImages"), List.of()).validated())
                .hasMessage("enable-admission-plugins plugin \"AlwaysPullImages\" is not implemented by skiff (it implements "
                        + "[NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, Priority, DefaultTolerationSeconds, ResourceQuota])");
        assertThat(new AdmissionOptions(List.of(), List.of("LimitRanger", "PodSecurity", "MutatingAdmissionWebhook")).validate()).isEmpty();
        assertThat(new AdmissionOptions(List.of("LimitRanger", "PodSecurity"), List.of()).validate()).isEmpty();
    }

    @Test
    void emptyFlagValuesNameNoPlugin() {
        assertThat(new AdmissionOptions(List.of(""), List.of("")).validate()).isEmpty();
        assertThat(new AdmissionOptions(List.of(""), List.of("")).enabledPluginNames()).isEqualTo(AdmissionOptions.defaults().enabledPluginNames());
    }
}
