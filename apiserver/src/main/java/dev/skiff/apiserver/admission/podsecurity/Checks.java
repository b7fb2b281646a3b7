package dev.skiff.apiserver.admission.podsecurity;

import dev.skiff.apiserver.admission.podsecurity.Policy.Level;
import dev.skiff.apiserver.admission.podsecurity.Policy.LevelVersion;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The Pod Security Standards' checks as upstream's pod-security-admission policy package defines
 * them (kube 1.33): each check has a level and versions (the policy version a behaviour starts
 * at); a level at a version runs the baseline checks, and for restricted also the restricted ones,
 * which replace the baseline checks they override (capabilities, hostPath volumes, seccomp). Checks
 * run baseline first, each group in the order of their ids, and a failing one gives a reason and a
 * detail in upstream's words.
 */
public final class Checks {
    /** The newest version any check starts at: later versions and latest evaluate as this one. */
    static final int NEWEST = 32;

    /** A check that failed: "reason (detail)" in messages. */
    public record Failure(String reason, String detail) {
        @Override
        public String toString() {
            return detail.isEmpty() ? reason : reason + " (" + detail + ")";
        }
    }

    /** A container, init container or ephemeral container as the checks see it. */
    private record C(String name, SecurityContext securityContext, List<ContainerPort> ports) {
    }

    /** One behaviour of a check, from a policy version on. */
    private record Versioned(int since, BiFunction<ObjectMeta, PodSpec, Failure> check, Set<String> overrides) {
    }

    private record Check(String id, Level level, List<Versioned> versions) {
        Versioned at(int version) {
            Versioned found = null;
            for (Versioned v : versions) {
                if (v.since() <= version) {
                    found = v;
                }
            }
            return found;
        }
    }

    private static final List<Check> CHECKS = new ArrayList<>();

    private Checks() {
    }

    /** What {@code pod} fails of {@code policy}, in upstream's order; empty when it passes (always, for privileged). */
    public static List<Failure> evaluate(LevelVersion policy, ObjectMeta meta, PodSpec spec) {
        if (policy.level() == Level.PRIVILEGED) {
            return List.of();
        }
        int version = policy.version().atMost(NEWEST);
        Map<String, Versioned> baseline = new LinkedHashMap<>();
        Map<String, Versioned> restricted = new LinkedHashMap<>();
        for (Check check : CHECKS.stream().sorted(Comparator.comparing(Check::id)).toList()) {
            Versioned v = check.at(version);
            if (v != null) {
                (check.level() == Level.BASELINE ? baseline : restricted).put(check.id(), v);
            }
        }
        List<Versioned> run = new ArrayList<>();
        if (policy.level() == Level.RESTRICTED) {
            restricted.values().forEach(v -> v.overrides().forEach(baseline::remove));
            run.addAll(baseline.values());
            run.addAll(restricted.values());
        } else {
            run.addAll(baseline.values());
        }
        ObjectMeta m = meta == null ? new ObjectMeta() : meta;
        List<Failure> failures = new ArrayList<>();
        for (Versioned v : run) {
            Failure f = v.check().apply(m, spec);
            if (f != null) {
                failures.add(f);
            }
        }
        return failures;
    }

    /** AggregateCheckResult.ForbiddenReason: the reasons only. */
    public static String reasons(List<Failure> failures) {
        return String.join(", ", failures.stream().map(Failure::reason).toList());
    }

    /** AggregateCheckResult.ForbiddenDetail: "reason (detail), reason (detail)". */
    public static String details(List<Failure> failures) {
        return String.join(", ", failures.stream().map(Failure::toString).toList());
    }

    private static void add(String id, Level level, Versioned... versions) {
        CHECKS.add(new Check(id, level, List.of(versions)));
    }

    private static Versioned since(int version, BiFunction<ObjectMeta, PodSpec, Failure> check, String... overrides) {
        return new Versioned(version, check, Set.of(overrides));
    }

    /** Pods with spec.os.name windows pass the restricted checks that Linux fields satisfy (from policy 1.25). */
    private static BiFunction<ObjectMeta, PodSpec, Failure> exceptWindows(BiFunction<ObjectMeta, PodSpec, Failure> check) {
        return (meta, spec) -> spec.getOs() != null && "windows".equals(spec.getOs().getName()) ? null : check.apply(meta, spec);
    }

    private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
            "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t");
    private static final Set<String> SYSCTLS_1_0 = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start");
    private static final Set<String> SYSCTLS_1_27 = union(SYSCTLS_1_0, Set.of("net.ipv4.ip_local_reserved_ports"));
    private static final Set<String> SYSCTLS_1_29 = union(SYSCTLS_1_27, Set.of("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"));
    private static final Set<String> SYSCTLS_1_32 = union(SYSCTLS_1_29, Set.of("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"));

    static {
        add("allowPrivilegeEscalation", Level.RESTRICTED, since(8, Checks::allowPrivilegeEscalation),
                since(25, exceptWindows(Checks::allowPrivilegeEscalation)));
        add("appArmorProfile", Level.BASELINE, since(0, Checks::appArmorProfile));
        add("capabilities_baseline", Level.BASELINE, since(0, Checks::capabilitiesBaseline));
        add("capabilities_restricted", Level.RESTRICTED, since(22, Checks::capabilitiesRestricted, "capabilities_baseline"),
                since(25, exceptWindows(Checks::capabilitiesRestricted), "capabilities_baseline"));
        add("hostNamespaces", Level.BASELINE, since(0, Checks::hostNamespaces));
        add("hostPathVolumes", Level.BASELINE, since(0, Checks::hostPathVolumes));
        add("hostPorts", Level.BASELINE, since(0, Checks::hostPorts));
        add("privileged", Level.BASELINE, since(0, Checks::privileged));
        add("procMount", Level.BASELINE, since(0, Checks::procMount));
        add("restrictedVolumes", Level.RESTRICTED, since(0, Checks::restrictedVolumes, "hostPathVolumes"));
        add("runAsNonRoot", Level.RESTRICTED, since(0, Checks::runAsNonRoot));
        add("runAsUser", Level.RESTRICTED, since(23, Checks::runAsUser));
        add("seLinuxOptions", Level.BASELINE, since(0, (m, s) -> seLinuxOptions(s, SELINUX_TYPES)),
                since(31, (m, s) -> seLinuxOptions(s, union(SELINUX_TYPES, Set.of("container_engine_t")))));
        add("seccompProfile_baseline", Level.BASELINE, since(0, Checks::seccompAnnotations), since(19, Checks::seccompBaseline));
        add("seccompProfile_restricted", Level.RESTRICTED, since(19, Checks::seccompRestricted, "seccompProfile_baseline"),
                since(25, exceptWindows(Checks::seccompRestricted), "seccompProfile_baseline"));
        add("sysctls", Level.BASELINE, since(0, (m, s) -> sysctls(s, SYSCTLS_1_0)), since(27, (m, s) -> sysctls(s, SYSCTLS_1_27)),
                since(29, (m, s) -> sysctls(s, SYSCTLS_1_29)), since(32, (m, s) -> sysctls(s, SYSCTLS_1_32)));
        add("windowsHostProcess", Level.BASELINE, since(0, Checks::windowsHostProcess));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        var out = new java.util.HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }

    /** visitContainers: init containers, containers, ephemeral containers. */
    private static List<C> containers(PodSpec spec) {
        List<C> all = new ArrayList<>();
        for (Container c : orEmpty(spec.getInitContainers())) {
            all.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        for (Container c : orEmpty(spec.getContainers())) {
            all.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        for (EphemeralContainer c : orEmpty(spec.getEphemeralContainers())) {
            all.add(new C(c.getName(), c.getSecurityContext(), c.getPorts()));
        }
        return all;
    }

    /** The names of the containers {@code bad} picks. */
    private static List<String> names(PodSpec spec, Function<SecurityContext, Boolean> bad) {
        List<String> names = new ArrayList<>();
        for (C c : containers(spec)) {
            if (bad.apply(c.securityContext())) {
                names.add(c.name());
            }
        }
        return names;
    }

    /** "container \"a\"" or "containers \"a\", \"b\"". */
    private static String containersNamed(List<String> names) {
        return pluralize("container", "containers", names.size()) + " " + joinQuote(names);
    }

    static String joinQuote(java.util.Collection<String> items) {
        return items.isEmpty() ? "" : "\"" + String.join("\", \"", items) + "\"";
    }

    static String pluralize(String singular, String plural, int count) {
        return count == 1 ? singular : plural;
    }

    private static boolean isTrue(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private static Failure allowPrivilegeEscalation(ObjectMeta meta, PodSpec spec) {
        List<String> bad = names(spec, sc -> sc == null || sc.getAllowPrivilegeEscalation() == null || sc.getAllowPrivilegeEscalation());
        return bad.isEmpty() ? null : new Failure("allowPrivilegeEscalation != false",
                containersNamed(bad) + " must set securityContext.allowPrivilegeEscalation=false");
    }

    private static Failure appArmorProfile(ObjectMeta meta, PodSpec spec) {
        Set<String> allowedTypes = Set.of("RuntimeDefault", "Localhost");
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getAppArmorProfile() != null && !allowedTypes.contains(String.valueOf(psc.getAppArmorProfile().getType()))) {
            setters.add("pod");
            badValues.add(String.valueOf(psc.getAppArmorProfile().getType()));
        }
        List<String> bad = names(spec, sc -> {
            if (sc != null && sc.getAppArmorProfile() != null && !allowedTypes.contains(String.valueOf(sc.getAppArmorProfile().getType()))) {
                badValues.add(String.valueOf(sc.getAppArmorProfile().getType()));
                return true;
            }
            return false;
        });
        if (!bad.isEmpty()) {
            setters.add(containersNamed(bad));
        }
        List<String> values = new ArrayList<>(badValues);
        TreeSet<String> annotations = new TreeSet<>();
        annotations(meta).forEach((k, v) -> {
            if (k.startsWith("container.apparmor.security.beta.kubernetes.io/")
                    && !(v.isEmpty() || v.equals("runtime/default") || v.startsWith("localhost/"))) {
                annotations.add(k + "=" + goQuote(v));
            }
        });
        if (!annotations.isEmpty()) {
            values.addAll(annotations);
            setters.add(pluralize("annotation", "annotations", annotations.size()));
        }
        return setters.isEmpty() ? null : new Failure(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.size()),
                String.join(" and ", setters) + " must not set AppArmor profile type to " + joinQuote(values));
    }

    private static Failure capabilitiesBaseline(ObjectMeta meta, PodSpec spec) {
        TreeSet<String> added = new TreeSet<>();
        List<String> bad = names(spec, sc -> {
            boolean invalid = false;
            if (sc != null && sc.getCapabilities() != null) {
                for (String cap : orEmpty(sc.getCapabilities().getAdd())) {
                    if (!BASELINE_CAPABILITIES.contains(cap)) {
                        invalid = true;
                        added.add(cap);
                    }
                }
            }
            return invalid;
        });
        return bad.isEmpty() ? null : new Failure("non-default capabilities",
                containersNamed(bad) + " must not include " + joinQuote(added) + " in securityContext.capabilities.add");
    }

    private static Failure capabilitiesRestricted(ObjectMeta meta, PodSpec spec) {
        List<String> missingDropAll = new ArrayList<>();
        List<String> adding = new ArrayList<>();
        TreeSet<String> forbidden = new TreeSet<>();
        for (C c : containers(spec)) {
            SecurityContext sc = c.securityContext();
            if (sc == null || sc.getCapabilities() == null) {
                missingDropAll.add(c.name());
                continue;
            }
            if (!orEmpty(sc.getCapabilities().getDrop()).contains("ALL")) {
                missingDropAll.add(c.name());
            }
            boolean addedForbidden = false;
            for (String cap : orEmpty(sc.getCapabilities().getAdd())) {
                if (!cap.equals("NET_BIND_SERVICE")) {
                    addedForbidden = true;
                    forbidden.add(cap);
                }
            }
            if (addedForbidden) {
                adding.add(c.name());
            }
        }
        List<String> details = new ArrayList<>();
        if (!missingDropAll.isEmpty()) {
            details.add(containersNamed(missingDropAll) + " must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (!adding.isEmpty()) {
            details.add(containersNamed(adding) + " must not include " + joinQuote(forbidden) + " in securityContext.capabilities.add");
        }
        return details.isEmpty() ? null : new Failure("unrestricted capabilities", String.join("; ", details));
    }

    private static Failure hostNamespaces(ObjectMeta meta, PodSpec spec) {
        List<String> host = new ArrayList<>();
        if (isTrue(spec.getHostNetwork())) {
            host.add("hostNetwork=true");
        }
        if (isTrue(spec.getHostPID())) {
            host.add("hostPID=true");
        }
        if (isTrue(spec.getHostIPC())) {
            host.add("hostIPC=true");
        }
        return host.isEmpty() ? null : new Failure("host namespaces", String.join(", ", host));
    }

    private static Failure hostPathVolumes(ObjectMeta meta, PodSpec spec) {
        List<String> host = orEmpty(spec.getVolumes()).stream().filter(v -> v.getHostPath() != null).map(Volume::getName).toList();
        return host.isEmpty() ? null : new Failure("hostPath volumes", pluralize("volume", "volumes", host.size()) + " " + joinQuote(host));
    }

    private static Failure hostPorts(ObjectMeta meta, PodSpec spec) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> ports = new TreeSet<>();
        for (C c : containers(spec)) {
            boolean uses = false;
            for (ContainerPort p : orEmpty(c.ports())) {
                if (p.getHostPort() != null && p.getHostPort() != 0) {
                    uses = true;
                    ports.add(String.valueOf(p.getHostPort()));
                }
            }
            if (uses) {
                bad.add(c.name());
            }
        }
        return bad.isEmpty() ? null : new Failure("hostPort", containersNamed(bad) + " " + pluralize("uses", "use", bad.size()) + " "
                + pluralize("hostPort", "hostPorts", ports.size()) + " " + String.join(", ", ports));
    }

    private static Failure privileged(ObjectMeta meta, PodSpec spec) {
        List<String> bad = names(spec, sc -> sc != null && isTrue(sc.getPrivileged()));
        return bad.isEmpty() ? null : new Failure("privileged", containersNamed(bad) + " must not set securityContext.privileged=true");
    }

    private static Failure procMount(ObjectMeta meta, PodSpec spec) {
        TreeSet<String> types = new TreeSet<>();
        List<String> bad = names(spec, sc -> {
            if (sc != null && sc.getProcMount() != null && !sc.getProcMount().equals("Default")) {
                types.add(sc.getProcMount());
                return true;
            }
            return false;
        });
        return bad.isEmpty() ? null : new Failure("procMount", containersNamed(bad) + " must not set securityContext.procMount to " + joinQuote(types));
    }

    private static Failure restrictedVolumes(ObjectMeta meta, PodSpec spec) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> types = new TreeSet<>();
        for (Volume v : orEmpty(spec.getVolumes())) {
            if (v.getConfigMap() != null || v.getCsi() != null || v.getDownwardAPI() != null || v.getEmptyDir() != null
                    || v.getEphemeral() != null || v.getImage() != null || v.getPersistentVolumeClaim() != null
                    || v.getProjected() != null || v.getSecret() != null) {
                continue;
            }
            bad.add(v.getName());
            types.add(restrictedType(v));
        }
        return bad.isEmpty() ? null : new Failure("restricted volume types", pluralize("volume", "volumes", bad.size()) + " " + joinQuote(bad)
                + " " + pluralize("uses", "use", bad.size()) + " " + pluralize("restricted volume type", "restricted volume types", types.size())
                + " " + joinQuote(types));
    }

    private static String restrictedType(Volume v) {
        Map<String, Object> sources = new LinkedHashMap<>();
        sources.put("hostPath", v.getHostPath());
        sources.put("gcePersistentDisk", v.getGcePersistentDisk());
        sources.put("awsElasticBlockStore", v.getAwsElasticBlockStore());
        sources.put("gitRepo", v.getGitRepo());
        sources.put("nfs", v.getNfs());
        sources.put("iscsi", v.getIscsi());
        sources.put("glusterfs", v.getGlusterfs());
        sources.put("rbd", v.getRbd());
        sources.put("flexVolume", v.getFlexVolume());
        sources.put("cinder", v.getCinder());
        sources.put("cephfs", v.getCephfs());
        sources.put("flocker", v.getFlocker());
        sources.put("fc", v.getFc());
        sources.put("azureFile", v.getAzureFile());
        sources.put("vsphereVolume", v.getVsphereVolume());
        sources.put("quobyte", v.getQuobyte());
        sources.put("azureDisk", v.getAzureDisk());
        sources.put("photonPersistentDisk", v.getPhotonPersistentDisk());
        sources.put("portworxVolume", v.getPortworxVolume());
        sources.put("scaleIO", v.getScaleIO());
        sources.put("storageos", v.getStorageos());
        return sources.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey).findFirst().orElse("unknown");
    }

    private static Failure runAsNonRoot(ObjectMeta meta, PodSpec spec) {
        List<String> setters = new ArrayList<>();
        boolean podNonRoot = false;
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getRunAsNonRoot() != null) {
            if (!psc.getRunAsNonRoot()) {
                setters.add("pod");
            } else {
                podNonRoot = true;
            }
        }
        List<String> explicit = names(spec, sc -> sc != null && sc.getRunAsNonRoot() != null && !sc.getRunAsNonRoot());
        boolean onPod = podNonRoot;
        List<String> implicit = names(spec, sc -> (sc == null || sc.getRunAsNonRoot() == null) && !onPod);
        if (!explicit.isEmpty()) {
            setters.add(containersNamed(explicit));
        }
        if (!setters.isEmpty()) {
            return new Failure("runAsNonRoot != true", String.join(" and ", setters) + " must not set securityContext.runAsNonRoot=false");
        }
        return implicit.isEmpty() ? null : new Failure("runAsNonRoot != true",
                "pod or " + containersNamed(implicit) + " must set securityContext.runAsNonRoot=true");
    }

    private static Failure runAsUser(ObjectMeta meta, PodSpec spec) {
        List<String> setters = new ArrayList<>();
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getRunAsUser() != null && psc.getRunAsUser() == 0) {
            setters.add("pod");
        }
        List<String> bad = names(spec, sc -> sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() == 0);
        if (!bad.isEmpty()) {
            setters.add(containersNamed(bad));
        }
        return setters.isEmpty() ? null : new Failure("runAsUser=0", String.join(" and ", setters) + " must not set runAsUser=0");
    }

    private static Failure seLinuxOptions(PodSpec spec, Set<String> allowedTypes) {
        TreeSet<String> badTypes = new TreeSet<>();
        boolean[] userRole = new boolean[2];
        Function<SELinuxOptions, Boolean> invalid = o -> {
            boolean bad = false;
            String type = o.getType() == null ? "" : o.getType();
            if (!allowedTypes.contains(type)) {
                badTypes.add(type);
                bad = true;
            }
            if (o.getUser() != null && !o.getUser().isEmpty()) {
                userRole[0] = true;
                bad = true;
            }
            if (o.getRole() != null && !o.getRole().isEmpty()) {
                userRole[1] = true;
                bad = true;
            }
            return bad;
        };
        List<String> setters = new ArrayList<>();
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getSeLinuxOptions() != null && invalid.apply(psc.getSeLinuxOptions())) {
            setters.add("pod");
        }
        List<String> bad = names(spec, sc -> sc != null && sc.getSeLinuxOptions() != null && invalid.apply(sc.getSeLinuxOptions()));
        if (!bad.isEmpty()) {
            setters.add(containersNamed(bad));
        }
        if (setters.isEmpty()) {
            return null;
        }
        List<String> data = new ArrayList<>();
        if (!badTypes.isEmpty()) {
            data.add(pluralize("type", "types", badTypes.size()) + " " + joinQuote(badTypes));
        }
        if (userRole[0]) {
            data.add("user may not be set");
        }
        if (userRole[1]) {
            data.add("role may not be set");
        }
        return new Failure("seLinuxOptions", String.join(" and ", setters) + " set forbidden securityContext.seLinuxOptions: "
                + String.join("; ", data));
    }

    private static boolean validSeccomp(String type) {
        return "Localhost".equals(type) || "RuntimeDefault".equals(type);
    }

    /** Policy versions before 1.19: the alpha seccomp annotations. */
    private static Failure seccompAnnotations(ObjectMeta meta, PodSpec spec) {
        TreeSet<String> forbidden = new TreeSet<>();
        Map<String, String> annotations = annotations(meta);
        List<String> keys = new ArrayList<>(List.of("seccomp.security.alpha.kubernetes.io/pod"));
        containers(spec).forEach(c -> keys.add("container.seccomp.security.alpha.kubernetes.io/" + c.name()));
        for (String key : keys) {
            String v = annotations.get(key);
            if (v != null && !(v.equals("runtime/default") || v.equals("docker/default") || v.startsWith("localhost/"))) {
                forbidden.add(key + "=" + goQuote(v));
            }
        }
        return forbidden.isEmpty() ? null : new Failure("seccompProfile",
                "forbidden " + pluralize("annotation", "annotations", forbidden.size()) + " " + String.join(", ", forbidden));
    }

    private static Failure seccompBaseline(ObjectMeta meta, PodSpec spec) {
        return seccomp(spec, false);
    }

    private static Failure seccompRestricted(ObjectMeta meta, PodSpec spec) {
        return seccomp(spec, true);
    }

    /** The baseline check refuses bad profile types; the restricted one also a container without a valid type of its own or its pod's. */
    private static Failure seccomp(PodSpec spec, boolean required) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        boolean podSet = false;
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getSeccompProfile() != null) {
            if (!validSeccomp(psc.getSeccompProfile().getType())) {
                setters.add("pod");
                badValues.add(String.valueOf(psc.getSeccompProfile().getType()));
            } else {
                podSet = true;
            }
        }
        List<String> explicit = names(spec, sc -> {
            if (sc != null && sc.getSeccompProfile() != null && !validSeccomp(sc.getSeccompProfile().getType())) {
                badValues.add(String.valueOf(sc.getSeccompProfile().getType()));
                return true;
            }
            return false;
        });
        boolean onPod = podSet;
        List<String> implicit = names(spec, sc -> (sc == null || sc.getSeccompProfile() == null) && !onPod);
        if (!explicit.isEmpty()) {
            setters.add(containersNamed(explicit));
        }
        if (!setters.isEmpty()) {
            return new Failure("seccompProfile", String.join(" and ", setters) + " must not set securityContext.seccompProfile.type to "
                    + joinQuote(badValues));
        }
        return !required || implicit.isEmpty() ? null : new Failure("seccompProfile", "pod or " + containersNamed(implicit)
                + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }

    private static Failure sysctls(PodSpec spec, Set<String> allowed) {
        PodSecurityContext psc = spec.getSecurityContext();
        List<String> forbidden = psc == null ? List.of()
                : orEmpty(psc.getSysctls()).stream().map(s -> s.getName()).filter(n -> !allowed.contains(n)).toList();
        return forbidden.isEmpty() ? null : new Failure("forbidden sysctls", String.join(", ", forbidden));
    }

    private static Failure windowsHostProcess(ObjectMeta meta, PodSpec spec) {
        List<String> setters = new ArrayList<>();
        PodSecurityContext psc = spec.getSecurityContext();
        if (psc != null && psc.getWindowsOptions() != null && isTrue(psc.getWindowsOptions().getHostProcess())) {
            setters.add("pod");
        }
        List<String> bad = names(spec, sc -> sc != null && sc.getWindowsOptions() != null && isTrue(sc.getWindowsOptions().getHostProcess()));
        if (!bad.isEmpty()) {
            setters.add(containersNamed(bad));
        }
        return setters.isEmpty() ? null : new Failure("hostProcess",
                String.join(" and ", setters) + " must not set securityContext.windowsOptions.hostProcess=true");
    }

    private static Map<String, String> annotations(ObjectMeta meta) {
        return meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    }

    private static String goQuote(String s) {
        return dev.skiff.api.errors.ApiException.goQuote(s);
    }

    private static <X> List<X> orEmpty(List<X> list) {
        return list == null ? List.of() : list;
    }
}
