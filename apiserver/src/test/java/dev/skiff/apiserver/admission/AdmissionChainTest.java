package dev.skiff.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfoResolver;
import dev.skiff.registry.generic.StoreHooks;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object-level phase of the chain: every plugin's reservation stands or falls together. */
class AdmissionChainTest {
    private final List<String> log = new ArrayList<>();

    private AdmissionPlugin reserving(String name) {
        return new AdmissionPlugin() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public StoreHooks.Transaction validateObject(ObjectAttributes attributes) {
                log.add(name + " reserved " + attributes.object().getMetadata().getName() + (attributes.create() ? " on create" : ""));
                return new StoreHooks.Transaction() {
                    @Override
                    public void commit() {
                        log.add(name + " committed");
                    }

                    @Override
                    public void revert() {
                        log.add(name + " reverted");
                    }
                };
            }
        };
    }

    private final AdmissionPlugin refusing = new AdmissionPlugin() {
        @Override
        public String name() {
            return "refusing";
        }

        @Override
        public StoreHooks.Transaction validateObject(ObjectAttributes attributes) {
            throw ApiException.forbidden("", "configmaps", attributes.object().getMetadata().getName(), "no");
        }
    };

    private final UserInfo user = new UserInfo("a", List.of());
    private final io.fabric8.kubernetes.api.model.ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build();

    @Test
    void reservationsCommitTogether() {
        var admission = new AdmissionChain(List.of(reserving("one"), reserving("two")))
                .forObjects(user, RequestInfoResolver.resolve("POST", "/api/v1/namespaces/ns/configmaps", Map.of()), new dev.skiff.apiserver.endpoints.Warnings());
        admission.admit(cm, null, false).commit();
        assertThat(log).containsExactly("one reserved c on create", "two reserved c on create", "one committed", "two committed");
    }

    @Test
    void aRefusalRevertsWhatEarlierPluginsReserved() {
        var admission = new AdmissionChain(List.of(reserving("one"), refusing, reserving("three")))
                .forObjects(user, RequestInfoResolver.resolve("PUT", "/api/v1/namespaces/ns/configmaps/c", Map.of()), new dev.skiff.apiserver.endpoints.Warnings());
        assertThatThrownBy(() -> admission.admit(cm, cm, false)).isInstanceOf(ApiException.class)
                .hasMessage("configmaps \"c\" is forbidden: no");
        assertThat(log).containsExactly("one reserved c", "one reverted");
    }
}
