package dev.skiff.agent.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerConfigsTest {
    static Container withResources(Map<String, Quantity> requests, Map<String, Quantity> limits) {
        return new ContainerBuilder().withName("c").withImage("busybox")
                .withNewResources().withRequests(requests).withLimits(limits).endResources().build();
    }

    @Test
    void cpuRequestBecomesSharesAndCpuLimitAQuotaOverTheKubeletPeriod() {
        var r = ContainerConfigs.resources(withResources(Map.of("cpu", new Quantity("250m")),
                Map.of("cpu", new Quantity("1500m"), "memory", new Quantity("64Mi"))));
        assertThat(r.getCpuShares()).isEqualTo(256);
        assertThat(r.getCpuPeriod()).isEqualTo(100_000);
        assertThat(r.getCpuQuota()).isEqualTo(150_000);
        assertThat(r.getMemoryLimitInBytes()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void noCpuRequestGivesMinimumSharesAndLimitStandsInForAMissingRequest() {
        assertThat(ContainerConfigs.resources(withResources(Map.of(), Map.of())).getCpuShares()).isEqualTo(2);
        var limitOnly = ContainerConfigs.resources(withResources(Map.of(), Map.of("cpu", new Quantity("2"))));
        assertThat(limitOnly.getCpuShares()).isEqualTo(2048);
        assertThat(limitOnly.getMemoryLimitInBytes()).isZero();
        // 1m of CPU still gets the smallest quota the kernel accepts (1ms)
        assertThat(ContainerConfigs.resources(withResources(Map.of(), Map.of("cpu", new Quantity("1m")))).getCpuQuota()).isEqualTo(1000);
    }
}
