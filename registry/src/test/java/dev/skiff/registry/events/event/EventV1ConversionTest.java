package dev.skiff.registry.events.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import org.junit.jupiter.api.Test;

class EventV1ConversionTest {
    private final EventV1Conversion conversion = new EventV1Conversion();

    @Test
    void coreFieldsMapToTheirEventsV1NamesAndBack() {
        Event core = new EventBuilder().withNewMetadata().withName("e").withNamespace("default").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("p").withNamespace("default").endInvolvedObject()
                .withReason("Started").withMessage("started container").withReportingComponent("kubelet").withReportingInstance("n1")
                .withNewSource().withComponent("kubelet").withHost("n1").endSource().withCount(3)
                .withFirstTimestamp("2026-01-01T00:00:00Z").withLastTimestamp("2026-01-01T00:01:00Z").withType("Normal").build();
        var v1 = conversion.fromStorage(core);
        assertThat(v1.getApiVersion()).isEqualTo("events.k8s.io/v1");
        assertThat(v1.getRegarding().getName()).isEqualTo("p");
        assertThat(v1.getNote()).isEqualTo("started container");
        assertThat(v1.getReportingController()).isEqualTo("kubelet");
        assertThat(v1.getReportingInstance()).isEqualTo("n1");
        assertThat(v1.getDeprecatedSource().getHost()).isEqualTo("n1");
        assertThat(v1.getDeprecatedCount()).isEqualTo(3);
        assertThat(v1.getDeprecatedFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
        Event back = conversion.toStorage(v1);
        back.setApiVersion(core.getApiVersion());
        assertThat(back).isEqualTo(core);
    }
}
