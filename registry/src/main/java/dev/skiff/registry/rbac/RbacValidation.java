package dev.skiff.registry.rbac;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Upstream's pkg/apis/rbac/validation rules and rbac/v1 subject defaults, shared by the four RBAC strategies. */
public final class RbacValidation {
    public static final String GROUP = "rbac.authorization.k8s.io";

    private RbacValidation() {
    }

    public static List<Cause> rules(List<PolicyRule> rules, boolean namespaced) {
        List<Cause> causes = new ArrayList<>();
        if (rules == null) {
            return causes;
        }
        for (int i = 0; i < rules.size(); i++) {
            PolicyRule rule = rules.get(i);
            String path = "rules[" + i + "]";
            if (size(rule.getVerbs()) == 0) {
                causes.add(Cause.required(path + ".verbs", "verbs must contain at least one value"));
            }
            if (size(rule.getNonResourceURLs()) > 0) {
                if (namespaced) {
                    causes.add(new Cause("FieldValueInvalid", path + ".nonResourceURLs", "Invalid value: "
                            + goStrings(rule.getNonResourceURLs()) + ": namespaced rules cannot apply to non-resource URLs"));
                }
                if (size(rule.getApiGroups()) > 0 || size(rule.getResources()) > 0 || size(rule.getResourceNames()) > 0) {
                    causes.add(new Cause("FieldValueInvalid", path + ".nonResourceURLs", "Invalid value: "
                            + goStrings(rule.getNonResourceURLs()) + ": rules cannot apply to both regular resources and non-resource URLs"));
                }
                continue;
            }
            if (size(rule.getApiGroups()) == 0) {
                causes.add(Cause.required(path + ".apiGroups", "resource rules must supply at least one api group"));
            }
            if (size(rule.getResources()) == 0) {
                causes.add(Cause.required(path + ".resources", "resource rules must supply at least one resource"));
            }
        }
        return causes;
    }

    /** A binding's roleRef and subjects; {@code kinds} are the role kinds it may reference. */
    public static List<Cause> binding(RoleRef ref, List<Subject> subjects, List<String> kinds, boolean namespaced) {
        List<Cause> causes = new ArrayList<>();
        RoleRef roleRef = ref == null ? new RoleRef() : ref;
        if (!GROUP.equals(roleRef.getApiGroup())) {
            causes.add(Cause.notSupported("roleRef.apiGroup", nullToEmpty(roleRef.getApiGroup()), List.of(GROUP)));
        }
        if (!kinds.contains(nullToEmpty(roleRef.getKind()))) {
            causes.add(Cause.notSupported("roleRef.kind", nullToEmpty(roleRef.getKind()), kinds));
        }
        if (nullToEmpty(roleRef.getName()).isEmpty()) {
            causes.add(Cause.required("roleRef.name"));
        }
        if (subjects != null) {
            for (int i = 0; i < subjects.size(); i++) {
                causes.addAll(subject(subjects.get(i), namespaced, "subjects[" + i + "]"));
            }
        }
        return causes;
    }

    private static List<Cause> subject(Subject s, boolean namespaced, String path) {
        List<Cause> causes = new ArrayList<>();
        if (nullToEmpty(s.getName()).isEmpty()) {
            causes.add(Cause.required(path + ".name"));
        }
        switch (nullToEmpty(s.getKind())) {
            case "ServiceAccount" -> {
                if (!nullToEmpty(s.getApiGroup()).isEmpty()) {
                    causes.add(Cause.notSupported(path + ".apiGroup", s.getApiGroup(), List.of("")));
                }
                if (!namespaced && nullToEmpty(s.getNamespace()).isEmpty()) {
                    causes.add(Cause.required(path + ".namespace"));
                }
            }
            case "User", "Group" -> {
                if (!GROUP.equals(s.getApiGroup())) {
                    causes.add(Cause.notSupported(path + ".apiGroup", nullToEmpty(s.getApiGroup()), List.of(GROUP)));
                }
            }
            default -> causes.add(Cause.notSupported(path + ".kind", nullToEmpty(s.getKind()), List.of("ServiceAccount", "User", "Group")));
        }
        return causes;
    }

    /** rbac/v1 SetDefaults_Subject: users and groups belong to the RBAC API group. */
    public static void defaultSubjects(List<Subject> subjects) {
        if (subjects == null) {
            return;
        }
        for (Subject s : subjects) {
            if ((s.getApiGroup() == null || s.getApiGroup().isEmpty()) && ("User".equals(s.getKind()) || "Group".equals(s.getKind()))) {
                s.setApiGroup(GROUP);
            }
        }
    }

    /** roleRef may never change: upstream's "cannot change roleRef". */
    public static List<Cause> roleRefUpdate(RoleRef ref, RoleRef old) {
        if (Objects.equals(ref, old)) {
            return List.of();
        }
        RoleRef r = ref == null ? new RoleRef() : ref;
        return List.of(new Cause("FieldValueInvalid", "roleRef", "Invalid value: rbac.RoleRef{APIGroup:"
                + ApiException.goQuote(nullToEmpty(r.getApiGroup())) + ", Kind:" + ApiException.goQuote(nullToEmpty(r.getKind()))
                + ", Name:" + ApiException.goQuote(nullToEmpty(r.getName())) + "}: cannot change roleRef"));
    }

    private static String goStrings(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(ApiException::goQuote).toList()) + "}";
    }

    private static int size(List<?> list) {
        return list == null ? 0 : list.size();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
