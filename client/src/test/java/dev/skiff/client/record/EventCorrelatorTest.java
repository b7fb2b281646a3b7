package dev.skiff.client.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import org.junit.jupiter.api.Test;

class EventCorrelatorTest {
    final EventCorrelator correlator = new EventCorrelator();

    static Event event(String name, String message, String at) {
        return new EventBuilder().withNewMetadata().withNamespace("ns").withName(name).endMetadata()
                .withNewInvolvedObject().withKind("Pod").withNamespace("ns").withName("web").withUid("u1").withApiVersion("v1").endInvolvedObject()
                .withType("Warning").withReason("BackOff").withMessage(message).withNewSource().withComponent("kubelet").withHost("n1").endSource()
                .withFirstTimestamp(at).withLastTimestamp(at).withCount(1).build();
    }

    @Test
    void identicalEventsIncrementTheFirstOnesCount() {
        assertThat(correlator.correlate(event("web.1", "restarting", "2026-01-01T00:00:00Z"))).isInstanceOf(EventCorrelator.Create.class);
        var second = correlator.correlate(event("web.2", "restarting", "2026-01-01T00:00:10Z"));
        assertThat(second).isInstanceOfSatisfying(EventCorrelator.Increment.class, inc -> {
            assertThat(inc.name()).isEqualTo("web.1");
            assertThat(inc.count()).isEqualTo(2);
            assertThat(inc.lastTimestamp()).isEqualTo("2026-01-01T00:00:10Z");
            assertThat(inc.merged().getFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
        });
        assertThat(correlator.correlate(event("web.3", "restarting", "2026-01-01T00:00:20Z")))
                .isInstanceOfSatisfying(EventCorrelator.Increment.class, inc -> assertThat(inc.count()).isEqualTo(3));
    }

    @Test
    void aDifferentMessageReasonOrObjectIsANewEvent() {
        correlator.correlate(event("web.1", "restarting", "2026-01-01T00:00:00Z"));
        assertThat(correlator.correlate(event("web.2", "pulling", "2026-01-01T00:00:01Z"))).isInstanceOf(EventCorrelator.Create.class);
        Event otherPod = new EventBuilder(event("db.1", "restarting", "2026-01-01T00:00:02Z")).editInvolvedObject().withName("db")
                .endInvolvedObject().build();
        assertThat(correlator.correlate(otherPod)).isInstanceOf(EventCorrelator.Create.class);
    }

    @Test
    void forgetsTheLeastRecentlySeenBeyondItsCapacity() {
        correlator.correlate(event("web.0", "m0", "2026-01-01T00:00:00Z"));
        for (int i = 1; i <= EventCorrelator.MAX_ENTRIES; i++) {
            correlator.correlate(event("web." + i, "m" + i, "2026-01-01T00:00:00Z"));
        }
        assertThat(correlator.correlate(event("web.x", "m0", "2026-01-01T00:00:01Z"))).isInstanceOf(EventCorrelator.Create.class);
        assertThat(correlator.correlate(event("web.y", "m" + EventCorrelator.MAX_ENTRIES, "2026-01-01T00:00:01Z")))
                .isInstanceOf(EventCorrelator.Increment.class);
    }
}
