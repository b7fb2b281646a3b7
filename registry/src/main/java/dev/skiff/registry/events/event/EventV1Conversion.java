package dev.skiff.registry.events.event;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.registry.conversion.Conversion;
import io.fabric8.kubernetes.api.model.Event;
import java.util.Map;

/**
 * events.k8s.io/v1 Events over the core/v1 Event storage, as upstream's pkg/apis/events/v1
 * conversion: regarding = involvedObject, note = message, reportingController =
 * reportingComponent, deprecatedSource = source, deprecatedFirstTimestamp / deprecatedLastTimestamp
 * / deprecatedCount = firstTimestamp / lastTimestamp / count; every other field has the same name.
 */
public final class EventV1Conversion implements Conversion<Event, io.fabric8.kubernetes.api.model.events.v1.Event> {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** events.k8s.io name to core name. */
    private static final Map<String, String> RENAMES = Map.of(
            "regarding", "involvedObject",
            "note", "message",
            "reportingController", "reportingComponent",
            "deprecatedSource", "source",
            "deprecatedFirstTimestamp", "firstTimestamp",
            "deprecatedLastTimestamp", "lastTimestamp",
            "deprecatedCount", "count");

    @Override
    public Class<io.fabric8.kubernetes.api.model.events.v1.Event> externalType() {
        return io.fabric8.kubernetes.api.model.events.v1.Event.class;
    }

    @Override
    public io.fabric8.kubernetes.api.model.events.v1.Event fromStorage(Event stored) {
        ObjectNode tree = JSON.valueToTree(stored);
        RENAMES.forEach((external, core) -> move(tree, core, external));
        tree.put("apiVersion", "events.k8s.io/v1");
        return JSON.convertValue(tree, io.fabric8.kubernetes.api.model.events.v1.Event.class);
    }

    @Override
    public Event toStorage(io.fabric8.kubernetes.api.model.events.v1.Event external) {
        ObjectNode tree = JSON.valueToTree(external);
        RENAMES.forEach((ext, core) -> move(tree, ext, core));
        tree.put("apiVersion", "v1");
        return JSON.convertValue(tree, Event.class);
    }

    private static void move(ObjectNode tree, String from, String to) {
        var value = tree.remove(from);
        if (value != null && !value.isNull()) {
            tree.set(to, value);
        }
    }
}
