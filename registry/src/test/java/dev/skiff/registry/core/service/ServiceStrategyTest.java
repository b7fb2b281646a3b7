package dev.skiff.registry.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.registry.generic.GenericRegistry;
import dev.skiff.store.embedded.EmbeddedStore;
import dev.skiff.store.embedded.EmbeddedStoreConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceStrategyTest {
    final ServiceStrategy strategy = new ServiceStrategy();

    static ServiceBuilder svc(String type, int... ports) {
        var builder = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("ns").endMetadata()
                .withNewSpec().withType(type).withSelector(Map.of("app", "web")).endSpec();
        for (int port : ports) {
            builder.editSpec().addToPorts(new ServicePortBuilder().withPort(port).build()).endSpec();
        }
        return builder;
    }

    private List<String> errors(Service service) {
        ServiceStrategy.setDefaults(service);
        return strategy.validate(service).stream().map(c -> c.field() + ": " + c.message()).toList();
    }

    @Test
    void defaultsAsUpstreamSetDefaultsService() {
        Service service = svc(null, 80).build();
        strategy.prepareForCreate(service);
        var spec = service.getSpec();
        assertThat(spec.getType()).isEqualTo("ClusterIP");
        assertThat(spec.getSessionAffinity()).isEqualTo("None");
        assertThat(spec.getPorts().getFirst().getProtocol()).isEqualTo("TCP");
        assertThat(spec.getPorts().getFirst().getTargetPort()).isEqualTo(new IntOrString(80));
        assertThat(spec.getInternalTrafficPolicy()).isEqualTo("Cluster");
        assertThat(spec.getExternalTrafficPolicy()).isNull();
        assertThat(spec.getIpFamilies()).containsExactly("IPv4");
        assertThat(spec.getIpFamilyPolicy()).isEqualTo("SingleStack");
        assertThat(spec.getAllocateLoadBalancerNodePorts()).isNull();
        assertThat(strategy.validate(service)).isEmpty();

        Service lb = svc("LoadBalancer", 80).editSpec().editFirstPort().withTargetPort(new IntOrString("http")).endPort().endSpec().build();
        strategy.prepareForCreate(lb);
        assertThat(lb.getSpec().getExternalTrafficPolicy()).isEqualTo("Cluster");
        assertThat(lb.getSpec().getAllocateLoadBalancerNodePorts()).isTrue();
        assertThat(lb.getSpec().getPorts().getFirst().getTargetPort()).isEqualTo(new IntOrString("http"));

        Service external = svc("ExternalName").editSpec().withExternalName("db.example.com").endSpec().build();
        strategy.prepareForCreate(external);
        assertThat(external.getSpec().getIpFamilies()).isNullOrEmpty();
        assertThat(external.getSpec().getInternalTrafficPolicy()).isNull();
        assertThat(strategy.validate(external)).isEmpty();
    }

    @Test
    void rejectsBadSpecsWithUpstreamPathsAndMessages() {
        assertThat(errors(svc("ClusterIP").build())).containsExactly("spec.ports: Required value");
        assertThat(errors(svc("ClusterIP").editSpec().withClusterIP("None").endSpec().build())).isEmpty();
        assertThat(errors(svc("Bogus", 80).build())).containsExactly(
                "spec.type: Unsupported value: \"Bogus\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
        assertThat(errors(svc("ClusterIP", 80, 81).build())).containsExactly(
                "spec.ports[0].name: Required value", "spec.ports[1].name: Required value");
        assertThat(errors(svc("ClusterIP", 80, 81).editSpec().editFirstPort().withName("http").endPort()
                .editLastPort().withName("http").endPort().endSpec().build()))
                .containsExactly("spec.ports[1].name: Duplicate value: \"http\"");
        assertThat(errors(svc("ClusterIP", 80).editSpec().editFirstPort().withName("Http").endPort().endSpec().build()))
                .singleElement().asString().startsWith("spec.ports[0].name: Invalid value: \"Http\": a lowercase RFC 1123 label must consist of");
        assertThat(errors(svc("ClusterIP", 70000).build())).containsExactly(
                "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive");
        assertThat(errors(svc("ClusterIP", 80).editSpec().editFirstPort().withProtocol("ICMP").endPort().endSpec().build()))
                .containsExactly("spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
        assertThat(errors(svc("ClusterIP", 80).editSpec().editFirstPort().withTargetPort(new IntOrString("a--b")).endPort().endSpec().build()))
                .containsExactly("spec.ports[0].targetPort: Invalid value: \"a--b\": must not contain consecutive hyphens");
        assertThat(errors(svc("ClusterIP", 80).editSpec().editFirstPort().withNodePort(30080).endPort().endSpec().build()))
                .containsExactly("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
        assertThat(errors(svc("ExternalName").build())).containsExactly("spec.externalName: Required value");
        assertThat(errors(svc("ExternalName").editSpec().withExternalName("db").withClusterIP("10.43.0.9").endSpec().build()))
                .containsExactly("spec.clusterIPs: Forbidden: may not be set for ExternalName services");
        assertThat(errors(svc("ClusterIP", 80).editSpec().withSelector(Map.of("app", "a b")).endSpec().build()))
                .singleElement().asString().startsWith("spec.selector: Invalid value: \"a b\": a valid label must be");
        assertThat(errors(svc("ClusterIP", 80).editSpec().withSessionAffinity("Sticky").endSpec().build()))
                .containsExactly("spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"");
        assertThat(errors(svc("ClusterIP", 80).editSpec().withExternalTrafficPolicy("Local").endSpec().build()))
                .containsExactly("spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services");
        assertThat(errors(svc("ClusterIP", 80).editSpec().withClusterIP("10.43.300.1").endSpec().build()))
                .containsExactly("spec.clusterIPs[0]: Invalid value: \"10.43.300.1\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    }

    @Test
    void clusterIpMayNotChangeOnceSetAndStatusOnlyThroughTheSubresource(@TempDir Path dir) {
        try (var store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(dir))) {
            var registry = new GenericRegistry<>(store, ServiceStrategy.RESOURCE, strategy, Clock.systemUTC(), new SplittableRandom(7));
            Service created = registry.create("ns", svc("ClusterIP", 80).editSpec().withClusterIP("10.43.0.5").endSpec()
                    .withNewStatus().withNewLoadBalancer().withIngress(new LoadBalancerIngressBuilder().withIp("1.2.3.4").build())
                    .endLoadBalancer().endStatus().build(), false);
            assertThat(created.getSpec().getClusterIPs()).containsExactly("10.43.0.5");
            assertThat(created.getStatus().getLoadBalancer().getIngress()).isEmpty();
            assertThat(created.getMetadata().getUid()).isNotEmpty();

            Service moved = new ServiceBuilder(created).editSpec().withClusterIP("10.43.0.6").withClusterIPs("10.43.0.6").endSpec().build();
            assertThatThrownBy(() -> registry.update("ns", "web", moved, false))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422))
                    .hasMessage("Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.43.0.6\"}: may not change once set");

            Service withStatus = new ServiceBuilder(created).editSpec().withSessionAffinity("ClientIP").endSpec().withNewStatus().withNewLoadBalancer()
                    .withIngress(new LoadBalancerIngressBuilder().withIp("1.2.3.4").build()).endLoadBalancer().endStatus().build();
            Service main = registry.update("ns", "web", withStatus, false).object();
            assertThat(main.getSpec().getSessionAffinity()).isEqualTo("ClientIP");
            assertThat(main.getStatus().getLoadBalancer().getIngress()).isEmpty();

            var status = strategy.subresourceStrategies().get("status");
            var statusRegistry = new GenericRegistry<>(store, ServiceStrategy.RESOURCE, status, Clock.systemUTC(), new SplittableRandom(7));
            Service statusOnly = new ServiceBuilder(main).editSpec().withSessionAffinity("None").endSpec().withNewStatus().withNewLoadBalancer()
                    .withIngress(new LoadBalancerIngressBuilder().withIp("1.2.3.4").build()).endLoadBalancer().endStatus().build();
            Service updated = statusRegistry.update("ns", "web", statusOnly, false).object();
            assertThat(updated.getStatus().getLoadBalancer().getIngress()).extracting(i -> i.getIp()).containsExactly("1.2.3.4");
            assertThat(updated.getSpec().getSessionAffinity()).isEqualTo("ClientIP");
        }
    }
}
