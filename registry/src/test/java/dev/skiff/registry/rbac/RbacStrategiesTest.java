package dev.skiff.registry.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.registry.rbac.clusterrolebinding.ClusterRoleBindingStrategy;
import dev.skiff.registry.rbac.role.RoleStrategy;
import dev.skiff.registry.rbac.rolebinding.RoleBindingStrategy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import org.junit.jupiter.api.Test;

class RbacStrategiesTest {

    @Test
    void roleRulesNeedVerbsGroupsAndResources() {
        var role = new RoleBuilder().withNewMetadata().withName("r").endMetadata().addNewRule().withResources("pods").endRule()
                .addNewRule().withVerbs("get").withNonResourceURLs("/healthz").endRule().build();
        assertThat(new RoleStrategy().validate(role)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
                "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs");
    }

    static RoleBinding binding(String roleKind, String roleName) {
        return new RoleBindingBuilder().withNewMetadata().withName("b").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind(roleKind).withName(roleName).endRoleRef()
                .addNewSubject().withKind("User").withName("alice").endSubject().build();
    }

    @Test
    void subjectsDefaultTheirGroupAndRoleRefIsImmutable() {
        var strategy = new RoleBindingStrategy();
        RoleBinding old = binding("Role", "r");
        strategy.prepareForCreate(old);
        assertThat(old.getSubjects().getFirst().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        assertThat(strategy.validate(old)).isEmpty();
        RoleBinding changed = binding("ClusterRole", "admin");
        strategy.prepareForUpdate(changed, old);
        assertThat(strategy.validateUpdate(changed, old)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"admin\"}: "
                        + "cannot change roleRef");
    }

    @Test
    void clusterRoleBindingsReferenceClusterRolesOnly() {
        var crb = new ClusterRoleBindingBuilder().withNewMetadata().withName("b").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("r").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("sa").endSubject().addNewSubject().withKind("Robot").withName("x").endSubject()
                .build();
        assertThat(new ClusterRoleBindingStrategy().validate(crb)).extracting(c -> c.field() + ": " + c.message()).containsExactly(
                "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                "subjects[0].namespace: Required value",
                "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"");
    }
}
