package dev.skiff.controller.podautoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.controller.ControlPlaneTest;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import org.junit.jupiter.api.Test;

/** The HPA's scale client against the real API server: /scale of a Deployment and a ReplicationController, and kinds without one. */
class ScaleClientTest extends ControlPlaneTest {
    private static final PodTemplateSpecBuilder TEMPLATE = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata()
            .withNewSpec().withContainers(new ContainerBuilder().withName("c").withImage("busybox:1.35").build()).endSpec();

    @Test
    void readsAndWritesTheTargetsScale() throws Exception {
        client.resource(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector().withTemplate(TEMPLATE.build())
                .endSpec().build()).create();
        client.resource(new ReplicationControllerBuilder().withNewMetadata().withName("legacy").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(1).addToSelector("app", "web").withTemplate(TEMPLATE.build()).endSpec().build()).create();
        var scales = ScaleClient.of(client);

        var deployment = new CrossVersionObjectReference("apps/v1", "Deployment", "web");
        var scale = scales.get("default", deployment);
        assertThat(scale.getSpec().getReplicas()).isEqualTo(2);
        assertThat(scale.getStatus().getSelector()).isEqualTo("app=web");
        scale.getSpec().setReplicas(5);
        scales.update("default", deployment, scale);
        assertThat(client.apps().deployments().inNamespace("default").withName("web").get().getSpec().getReplicas()).isEqualTo(5);

        var rc = new CrossVersionObjectReference("v1", "ReplicationController", "legacy");
        var rcScale = scales.get("default", rc);
        rcScale.getSpec().setReplicas(3);
        scales.update("default", rc, rcScale);
        assertThat(client.replicationControllers().inNamespace("default").withName("legacy").get().getSpec().getReplicas()).isEqualTo(3);

        assertThatThrownBy(() -> scales.get("default", new CrossVersionObjectReference("apps/v1", "Deployment", "nope")))
                .isInstanceOf(ScaleClient.ScaleException.class).hasMessage("deployments.apps \"nope\" not found");
        assertThatThrownBy(() -> scales.get("default", new CrossVersionObjectReference("apps/v1", "DaemonSet", "web")))
                .hasMessage("daemonsets.apps does not implement the scale subresource");
        assertThatThrownBy(() -> scales.get("default", new CrossVersionObjectReference("example.com/v1", "Widget", "w")))
                .hasMessage("no matches for kind \"Widget\" in group \"example.com\"");
    }
}
