package dev.skiff.api.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldSelectorTest {

    @Test
    void parsesEqualityAndInequalityTermsSortedAsUpstream() {
        FieldSelector s = FieldSelector.parse("status.phase!=Failed,metadata.name==web,spec.nodeName=n1");
        assertThat(s.toString()).isEqualTo("metadata.name=web,spec.nodeName=n1,status.phase!=Failed");
        assertThat(s.matches(Map.of("metadata.name", "web", "spec.nodeName", "n1", "status.phase", "Running"))).isTrue();
        assertThat(s.matches(Map.of("metadata.name", "web", "spec.nodeName", "n1", "status.phase", "Failed"))).isFalse();
    }

    @Test
    void aMissingFieldReadsAsEmpty() {
        assertThat(FieldSelector.parse("spec.nodeName=").matches(Map.of())).isTrue();
        assertThat(FieldSelector.parse("spec.nodeName!=").matches(Map.of())).isFalse();
    }

    @Test
    void unescapesCommasEqualsAndBackslashesInValues() {
        FieldSelector s = FieldSelector.parse("a=x\\,y\\=z\\\\,b=c");
        assertThat(s.requirements()).containsExactly(
                new FieldRequirement("a", Operator.EQUALS, "x,y=z\\"), new FieldRequirement("b", Operator.EQUALS, "c"));
        assertThat(s.toString()).isEqualTo("a=x\\,y\\=z\\\\,b=c");
    }

    @Test
    void rejectsTermsWithoutOperatorOrWithBadEscapes() {
        assertThatThrownBy(() -> FieldSelector.parse("abc"))
                .isInstanceOf(ApiException.class).hasMessage("invalid selector: 'abc'; can't understand 'abc'");
        assertThatThrownBy(() -> FieldSelector.parse("a=b=c"))
                .hasMessage("invalid field selector: unescaped character in value: 61");
        assertThatThrownBy(() -> FieldSelector.parse("a=b\\x")).hasMessage("invalid field selector: invalid escape sequence: \\x");
        assertThatThrownBy(() -> FieldSelector.parse("a=b\\")).hasMessage("invalid field selector: invalid escape sequence: \\");
        assertThat(((ApiException) catchThrowable("a=b=c")).code()).isEqualTo(400);
    }

    private static Throwable catchThrowable(String s) {
        try {
            FieldSelector.parse(s);
            return null;
        } catch (ApiException e) {
            return e;
        }
    }

    @Test
    void rejectsAFieldTheResourceDoesNotSupport() {
        var pods = SelectableFields.forResource("", "pods", true);
        assertThatThrownBy(() -> FieldSelector.parse("spec.containers=x", pods))
                .isInstanceOf(ApiException.class).hasMessage("field label not supported: spec.containers");
        var nodes = SelectableFields.forResource("", "nodes", false);
        assertThatThrownBy(() -> FieldSelector.parse("metadata.namespace=x", nodes))
                .hasMessage("field label not supported: metadata.namespace");
        var configmaps = SelectableFields.forResource("", "configmaps", true);
        assertThatThrownBy(() -> FieldSelector.parse("data.x=y", configmaps)).hasMessage("field label not supported: data.x");
        assertThat(FieldSelector.parse("metadata.namespace=ns", configmaps).isEmpty()).isFalse();
    }

    @Test
    void selectsPodsByNodePhaseAndHostNetwork() {
        var fields = SelectableFields.forResource("", "pods", true);
        var pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withNodeName("n1").withHostNetwork(true).withRestartPolicy("Always").endSpec()
                .withNewStatus().withPhase("Running").addNewPodIP("10.42.0.5").endStatus().build();
        Map<String, String> values = fields.of(pod);
        assertThat(FieldSelector.parse("spec.nodeName=n1,status.phase=Running,spec.hostNetwork=true", fields).matches(values)).isTrue();
        assertThat(FieldSelector.parse("status.podIP=10.42.0.5,metadata.namespace=default", fields).matches(values)).isTrue();
        // legacy clients say spec.host
        assertThat(FieldSelector.parse("spec.host=n1", fields).matches(values)).isTrue();
        assertThat(FieldSelector.parse("spec.nodeName=n2", fields).matches(values)).isFalse();
    }

    @Test
    void selectsNodesSecretsReplicaSetsAndEventsByTheirFields() {
        var node = new NodeBuilder().withNewMetadata().withName("n1").endMetadata().withNewSpec().withUnschedulable(true).endSpec().build();
        assertThat(FieldSelector.parse("spec.unschedulable=true", SelectableFields.forResource("", "nodes", false))
                .matches(SelectableFields.forResource("", "nodes", false).of(node))).isTrue();

        var secrets = SelectableFields.forResource("", "secrets", true);
        var secret = new SecretBuilder().withNewMetadata().withName("s").withNamespace("d").endMetadata()
                .withType("kubernetes.io/tls").build();
        assertThat(FieldSelector.parse("type=kubernetes.io/tls", secrets).matches(secrets.of(secret))).isTrue();

        var rsFields = SelectableFields.forResource("apps", "replicasets", true);
        var rs = new ReplicaSetBuilder().withNewMetadata().withName("r").withNamespace("d").endMetadata().build();
        assertThat(FieldSelector.parse("status.replicas=0", rsFields).matches(rsFields.of(rs))).isTrue();

        var events = SelectableFields.forResource("", "events", true);
        var event = new EventBuilder().withNewMetadata().withName("e").withNamespace("d").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("web").endInvolvedObject()
                .withReportingComponent("kubelet").withType("Warning").build();
        assertThat(FieldSelector.parse("involvedObject.kind=Pod,involvedObject.name=web,source=kubelet,type=Warning", events)
                .matches(events.of(event))).isTrue();
    }

    @Test
    void eventsV1NamesMapOntoTheCoreEventFields() {
        var fields = SelectableFields.forResource("events.k8s.io", "events", true);
        var event = new io.fabric8.kubernetes.api.model.events.v1.EventBuilder()
                .withNewMetadata().withName("e").withNamespace("d").endMetadata()
                .withNewRegarding().withKind("Pod").withName("web").endRegarding()
                .withReportingController("kubelet").build();
        assertThat(FieldSelector.parse("regarding.name=web,reportingController=kubelet", fields).matches(fields.of(event))).isTrue();
        assertThatThrownBy(() -> FieldSelector.parse("involvedObject.name=web", fields))
                .hasMessage("field label not supported: involvedObject.name");
    }

    @Test
    void requiresExactMatchFindsAnIndexableTerm() {
        assertThat(FieldSelector.parse("spec.nodeName=n1").requiresExactMatch("spec.nodeName")).contains("n1");
        assertThat(FieldSelector.parse("spec.nodeName!=n1").requiresExactMatch("spec.nodeName")).isEmpty();
    }
}
