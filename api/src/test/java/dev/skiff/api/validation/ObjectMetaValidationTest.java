package dev.skiff.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectMetaValidationTest {

    private static List<Cause> validate(ObjectMeta meta) {
        return ObjectMetaValidation.validate(meta, true, NameValidator.DNS_SUBDOMAIN, "metadata");
    }

    private static ObjectMetaBuilder valid() {
        return new ObjectMetaBuilder().withName("web").withNamespace("default");
    }

    @Test
    void acceptsAWellFormedObject() {
        assertThat(validate(valid().addToLabels("app", "web").addToAnnotations("example.com/Note", "x")
                .withFinalizers("example.com/cleanup").build())).isEmpty();
    }

    @Test
    void requiresANameUnlessGenerateNameIsGiven() {
        assertThat(validate(new ObjectMetaBuilder().withNamespace("default").build()))
                .containsExactly(new Cause("FieldValueRequired", "metadata.name", "Required value: name or generateName is required"));
    }

    @Test
    void reportsAnInvalidNameWithUpstreamsFieldPathAndMessage() {
        var causes = validate(valid().withName("Web_1").build());
        assertThat(causes).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo("FieldValueInvalid");
            assertThat(c.field()).isEqualTo("metadata.name");
            assertThat(c.message()).isEqualTo("Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower "
                    + "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                    + "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        });
        var e = ApiException.invalid("", "Pod", "Web_1", causes);
        assertThat(e.getMessage()).startsWith("Pod \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain");
    }

    @Test
    void servicesUseTheRfc1035LabelFormat() {
        var causes = ObjectMetaValidation.validate(valid().withName("1web").build(), true, NameValidator.DNS1035_LABEL, "metadata");
        assertThat(causes).singleElement().extracting(Cause::message).asString().contains("a DNS-1035 label must consist of");
    }

    @Test
    void aGenerateNameMayEndWithADash() {
        assertThat(validate(new ObjectMetaBuilder().withGenerateName("web-").withName("web-x7k2p").withNamespace("d").build())).isEmpty();
        assertThat(validate(new ObjectMetaBuilder().withGenerateName("Web-").withName("web-x7k2p").withNamespace("d").build()))
                .extracting(Cause::field).containsExactly("metadata.generateName");
    }

    @Test
    void namespaceRulesFollowScope() {
        assertThat(validate(valid().withNamespace(null).build()))
                .containsExactly(new Cause("FieldValueRequired", "metadata.namespace", "Required value"));
        assertThat(validate(valid().withNamespace("a.b").build())).singleElement()
                .extracting(Cause::message).asString().isEqualTo("Invalid value: \"a.b\": must not contain dots");
        assertThat(ObjectMetaValidation.validate(valid().build(), false, NameValidator.DNS_SUBDOMAIN, "metadata"))
                .containsExactly(new Cause("FieldValueForbidden", "metadata.namespace", "Forbidden: not allowed on this type"));
    }

    @Test
    void labelsAreCheckedKeyAndValue() {
        var causes = validate(valid().addToLabels("bad key", "ok").addToLabels("good", "-bad").build());
        assertThat(causes).extracting(Cause::field).containsOnly("metadata.labels");
        assertThat(causes).extracting(Cause::message).anySatisfy(m -> assertThat(m).startsWith("Invalid value: \"bad key\": name part"))
                .anySatisfy(m -> assertThat(m).startsWith("Invalid value: \"-bad\": a valid label must be"));
    }

    @Test
    void annotationKeysIgnoreCaseButTheTotalSizeIsLimited() {
        assertThat(validate(valid().addToAnnotations("Example.COM/Key", "v").build())).isEmpty();
        var big = "x".repeat(ObjectMetaValidation.TOTAL_ANNOTATION_SIZE_LIMIT_BYTES);
        assertThat(validate(valid().addToAnnotations("k", big).build()))
                .containsExactly(new Cause("FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes"));
    }

    @Test
    void finalizersAreQualifiedNamesAndOrphanExcludesForeground() {
        assertThat(validate(valid().withFinalizers("a/b/c").build())).extracting(Cause::field).containsExactly("metadata.finalizers");
        assertThat(validate(valid().withFinalizers("orphan", "foregroundDeletion").build())).singleElement().extracting(Cause::message)
                .isEqualTo("Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set");
    }

    @Test
    void ownerReferencesNeedVersionKindNameUidAndOneController() {
        var incomplete = new OwnerReferenceBuilder().withApiVersion("apps/").withKind("").withName("").withUid("").build();
        assertThat(validate(valid().withOwnerReferences(incomplete).build())).extracting(Cause::field).containsExactly(
                "metadata.ownerReferences.apiVersion", "metadata.ownerReferences.kind", "metadata.ownerReferences.name",
                "metadata.ownerReferences.uid");
        var a = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName("a").withUid("1").withController(true).build();
        var b = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName("b").withUid("2").withController(true).build();
        assertThat(validate(valid().withOwnerReferences(a, b).build())).singleElement().extracting(Cause::message).asString()
                .endsWith("Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b");
        var event = new OwnerReferenceBuilder().withApiVersion("v1").withKind("Event").withName("e").withUid("3").build();
        assertThat(validate(valid().withOwnerReferences(event).build())).singleElement().extracting(Cause::message).asString()
                .endsWith("/v1, Kind=Event is disallowed from being an owner");
    }

    @Test
    void anUpdateNeedsAResourceVersionAndKeepsIdentity() {
        var old = valid().withUid("u1").withResourceVersion("5").withGeneration(3L).build();
        assertThat(ObjectMetaValidation.validateUpdate(valid().withUid("u1").withResourceVersion("5").withGeneration(3L).build(), old, "metadata"))
                .isEmpty();
        var causes = ObjectMetaValidation.validateUpdate(valid().withName("other").withUid("u2").withGeneration(2L).build(), old, "metadata");
        assertThat(causes).extracting(Cause::field).containsExactly(
                "metadata.resourceVersion", "metadata.generation", "metadata.name", "metadata.uid");
        assertThat(causes.get(0).message()).isEqualTo("Invalid value: \"\": must be specified for an update");
        assertThat(causes.get(2).message()).isEqualTo("Invalid value: \"other\": field is immutable");
    }

    @Test
    void noFinalizerMayBeAddedOnceDeletionStarted() {
        var old = valid().withResourceVersion("1").withDeletionTimestamp("2025-01-01T00:00:00Z").withFinalizers("a.io/x").build();
        var causes = ObjectMetaValidation.validateUpdate(valid().withResourceVersion("1").withDeletionTimestamp("2025-01-01T00:00:00Z")
                .withFinalizers("a.io/x", "b.io/y").build(), old, "metadata");
        assertThat(causes).containsExactly(new Cause("FieldValueForbidden", "metadata.finalizers",
                "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"b.io/y\"}"));
    }

    @Test
    void rejectsANegativeGeneration() {
        assertThat(validate(valid().withGeneration(-1L).build())).containsExactly(
                new Cause("FieldValueInvalid", "metadata.generation", "Invalid value: -1: must be greater than or equal to 0"));
    }

    @Test
    void eachResourceGetsUpstreamsNameRule() {
        assertThat(NameValidator.forResource("", "services").validate("a.b", false)).isNotEmpty();
        assertThat(NameValidator.forResource("", "pods").validate("a.b", false)).isEmpty();
        assertThat(NameValidator.forResource("", "namespaces").validate("a.b", false)).containsExactly("must not contain dots");
        assertThat(NameValidator.forResource("rbac.authorization.k8s.io", "clusterroles").validate("system:node", false)).isEmpty();
        assertThat(NameValidator.forResource("apps", "deployments").validate("system:node", false)).isNotEmpty();
    }

    @Test
    void rbacNamesOnlyNeedToBePathSegments() {
        assertThat(ObjectMetaValidation.validate(new ObjectMetaBuilder().withName("system:controller:x").build(), false,
                NameValidator.PATH_SEGMENT, "metadata")).isEmpty();
    }
}
