package dev.skiff.client.record;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events about objects, as client-go's record.EventRecorder with its broadcaster
 * and sink: {@link #event} returns at once; one thread writes events in order, creating the first
 * occurrence and patching count/lastTimestamp/message on identical repeats ({@link EventCorrelator}).
 * A repeat whose event is gone from the server is created again with its count.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final KubernetesClient client;
    private final EventSource source;
    private final Clock clock;
    private final EventCorrelator correlator = new EventCorrelator();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("event-recorder").factory());

    /** {@code component} and {@code host} become the events' source and reportingController/reportingInstance. */
    public EventRecorder(KubernetesClient client, String component, String host, Clock clock) {
        this.client = client;
        this.source = new EventSource(component, host);
        this.clock = clock;
    }

    /** Records an event about {@code object}; {@code type} is {@link #NORMAL} or {@link #WARNING}. The returned future completes once written. */
    public Future<?> event(HasMetadata object, String type, String reason, String message) {
        return event(reference(object), type, reason, message);
    }

    /** Records an event about what {@code ref} names, e.g. one container of a pod (fieldPath {@code spec.containers{name}}, as the kubelet's). */
    public Future<?> event(ObjectReference ref, String type, String reason, String message) {
        if (!NORMAL.equals(type) && !WARNING.equals(type)) {
            throw new IllegalArgumentException("unsupported event type: '" + type + "'");
        }
        Event event = makeEvent(ref, type, reason, message);
        return writer.submit(() -> write(event));
    }

    public Future<?> eventf(HasMetadata object, String type, String reason, String format, Object... args) {
        return event(object, type, reason, String.format(format, args));
    }

    private Event makeEvent(ObjectReference ref, String type, String reason, String message) {
        Instant now = clock.instant();
        String timestamp = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        String namespace = ref.getNamespace() == null || ref.getNamespace().isEmpty() ? "default" : ref.getNamespace();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return new EventBuilder()
                .withNewMetadata().withName(ref.getName() + "." + Long.toHexString(nanos)).withNamespace(namespace).endMetadata()
                .withInvolvedObject(ref).withType(type).withReason(reason).withMessage(message)
                .withFirstTimestamp(timestamp).withLastTimestamp(timestamp).withCount(1)
                .withSource(source).withReportingComponent(source.getComponent()).withReportingInstance(source.getHost())
                .build();
    }

    /** A reference to {@code object} as events carry it. */
    public static ObjectReference reference(HasMetadata object) {
        return new ObjectReferenceBuilder().withApiVersion(object.getApiVersion()).withKind(object.getKind())
                .withNamespace(object.getMetadata().getNamespace()).withName(object.getMetadata().getName())
                .withUid(object.getMetadata().getUid()).withResourceVersion(object.getMetadata().getResourceVersion()).build();
    }

    private void write(Event event) {
        var events = client.v1().events();
        switch (correlator.correlate(event)) {
            case EventCorrelator.Create create -> {
                try {
                    events.inNamespace(create.event().getMetadata().getNamespace()).resource(create.event()).create();
                } catch (KubernetesClientException e) {
                    log.warn("event create failed object={}/{} reason={} code={}: {}", event.getInvolvedObject().getNamespace(),
                            event.getInvolvedObject().getName(), event.getReason(), e.getCode(), e.getMessage());
                }
            }
            case EventCorrelator.Increment inc -> {
                try {
                    events.inNamespace(inc.namespace()).withName(inc.name()).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                            client.getKubernetesSerialization().asJson(Map.of("count", inc.count(),
                                    "lastTimestamp", inc.lastTimestamp(), "message", inc.message())));
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        log.warn("event patch failed event={}/{} code={}: {}", inc.namespace(), inc.name(), e.getCode(), e.getMessage());
                        return;
                    }
                    // gone from the server (deleted or expired): write it again, keeping the count
                    Event again = events.inNamespace(inc.namespace()).resource(inc.merged()).create();
                    correlator.recreated(again);
                }
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        writer.close();
    }
}
