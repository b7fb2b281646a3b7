package dev.skiff.apiserver.admission;

import dev.skiff.apiserver.admission.podsecurity.PodSecurity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * kube-apiserver's {@code --enable-admission-plugins} and {@code --disable-admission-plugins}
 * (upstream's AdmissionOptions): plugins run in upstream's fixed order whatever the order of the
 * flags, the default-on ones unless disabled, the others only when enabled. Every upstream name is
 * known; skiff implements {@link #IMPLEMENTED} of them, so enabling another is refused rather than
 * silently not enforced, and disabling one skiff does not run is accepted (it is off either way).
 */
public record AdmissionOptions(List<String> enable, List<String> disable, AdmissionConfiguration configuration) {
    public static final String PRIORITY = "Priority";
    public static final String DEFAULT_TOLERATION_SECONDS = "DefaultTolerationSeconds";

    /** Upstream's AllOrderedPlugins (kube-apiserver 1.33): the order plugins run in. */
    public static final List<String> ALL_ORDERED = List.of(
            "AlwaysAdmit", "NamespaceAutoProvision", NamespaceLifecycle.NAME, "NamespaceExists",
            "LimitPodHardAntiAffinityTopology", LimitRanger.NAME, ServiceAccountAdmission.NAME, "NodeRestriction",
            "TaintNodesByCondition", "AlwaysPullImages", "ImagePolicyWebhook", PodSecurity.NAME, "PodNodeSelector",
            PRIORITY, DEFAULT_TOLERATION_SECONDS, "PodTolerationRestriction", "EventRateLimit",
            "ExtendedResourceToleration", "DefaultStorageClass", "StorageObjectInUseProtection",
            "OwnerReferencesPermissionEnforcement", "PersistentVolumeClaimResize", "RuntimeClass",
            "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction",
            "DefaultIngressClass", "DenyServiceExternalIPs", "PodTopologyLabels",
            "MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy",
            "ValidatingAdmissionWebhook", ResourceQuotaAdmission.NAME, "AlwaysDeny");

    /** Upstream's default-on plugins (the complement of DefaultOffAdmissionPlugins). */
    static final Set<String> DEFAULT_ON = Set.of(
            NamespaceLifecycle.NAME, LimitRanger.NAME, ServiceAccountAdmission.NAME, "DefaultStorageClass",
            "PersistentVolumeClaimResize", DEFAULT_TOLERATION_SECONDS, "MutatingAdmissionWebhook",
            "ValidatingAdmissionWebhook", ResourceQuotaAdmission.NAME, "StorageObjectInUseProtection", PRIORITY,
            "TaintNodesByCondition", "RuntimeClass", "CertificateApproval", "CertificateSigning",
            "ClusterTrustBundleAttest", "CertificateSubjectRestriction", "DefaultIngressClass", PodSecurity.NAME,
            "PodTopologyLabels", "MutatingAdmissionPolicy", "ValidatingAdmissionPolicy");

    /**
     * The plugins skiff runs: NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity and
     * ResourceQuota in the chain, Priority and DefaultTolerationSeconds in the pod strategy.
     */
    public static final Set<String> IMPLEMENTED = Set.of(NamespaceLifecycle.NAME, LimitRanger.NAME, ServiceAccountAdmission.NAME,
            PodSecurity.NAME, PRIORITY, DEFAULT_TOLERATION_SECONDS, ResourceQuotaAdmission.NAME);

    public AdmissionOptions {
        enable = names(enable);
        disable = names(disable);
        configuration = configuration == null ? AdmissionConfiguration.DEFAULT : configuration;
    }

    /** The plugins by flags, with no configuration file. */
    public AdmissionOptions(List<String> enable, List<String> disable) {
        this(enable, disable, AdmissionConfiguration.DEFAULT);
    }

    /** No flags: upstream's default-on plugins. */
    public static AdmissionOptions defaults() {
        return new AdmissionOptions(List.of(), List.of());
    }

    /** The defaults without {@code names} (--disable-admission-plugins alone). */
    public static AdmissionOptions disabling(java.util.Collection<String> names) {
        return new AdmissionOptions(List.of(), List.copyOf(names));
    }

    /**
     * What is wrong with the flags, one message each, worded as kube-apiserver words them (plus the
     * refusal of a plugin skiff does not implement); empty when they are fine.
     */
    public List<String> validate() {
        var errors = new ArrayList<String>();
        for (String name : enable) {
            if (!ALL_ORDERED.contains(name)) {
                errors.add("enable-admission-plugins plugin \"" + name + "\" is unknown");
            } else if (!IMPLEMENTED.contains(name)) {
                errors.add("enable-admission-plugins plugin \"" + name + "\" is not implemented by skiff (it implements "
                        + ALL_ORDERED.stream().filter(IMPLEMENTED::contains).toList() + ")");
            }
        }
        for (String name : disable) {
            if (!ALL_ORDERED.contains(name)) {
                errors.add("disable-admission-plugins plugin \"" + name + "\" is unknown");
            }
        }
        var both = new TreeSet<>(enable);
        both.retainAll(disable);
        if (!both.isEmpty()) {
            errors.add("[" + String.join(" ", both) + "] in enable-admission-plugins and disable-admission-plugins overlapped");
        }
        return errors;
    }

    /** As {@link #validate}, thrown: the errors in one line, as Go prints an aggregate of them. */
    public AdmissionOptions validated() {
        var errors = validate();
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
        }
        return this;
    }

    /** Upstream's enabledPluginNames: in {@link #ALL_ORDERED} order, the default-on and enabled ones, less the disabled ones. */
    public List<String> enabledPluginNames() {
        var off = new LinkedHashSet<>(disable);
        enable.forEach(off::remove);
        return ALL_ORDERED.stream().filter(name -> (DEFAULT_ON.contains(name) || enable.contains(name)) && !off.contains(name)).toList();
    }

    public boolean enabled(String name) {
        return enabledPluginNames().contains(name);
    }

    private static List<String> names(List<String> names) {
        return names == null ? List.of() : names.stream().filter(n -> !n.isEmpty()).toList();
    }
}
