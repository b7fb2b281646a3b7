package dev.skiff.client.record;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides how a new event reaches the server, as client-go's EventCorrelator's event logger: the
 * first occurrence is created; an identical one (same source, involved object, type, reason and
 * message) becomes an update of the event already written - count + 1, lastTimestamp moved on -
 * instead of a new object. Remembers the last {@value #MAX_ENTRIES} distinct events, as upstream's LRU.
 * Not thread-safe: one recorder thread owns it.
 */
final class EventCorrelator {
    static final int MAX_ENTRIES = 4096;

    /** What to write: a new Event, or the patched fields of one already written. */
    sealed interface Outcome permits Create, Increment {
    }

    record Create(Event event) implements Outcome {
    }

    /** The strategic merge patch upstream sends: {@code count}, {@code lastTimestamp}, {@code message}. */
    record Increment(String namespace, String name, int count, String lastTimestamp, String message, Event merged) implements Outcome {
    }

    private record Seen(String namespace, String name, int count, String firstTimestamp) {
    }

    private final Map<List<String>, Seen> seen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<String>, Seen> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    Outcome correlate(Event event) {
        List<String> key = key(event);
        Seen last = seen.get(key);
        if (last == null) {
            seen.put(key, new Seen(event.getMetadata().getNamespace(), event.getMetadata().getName(), 1, event.getFirstTimestamp()));
            return new Create(event);
        }
        int count = last.count() + 1;
        seen.put(key, new Seen(last.namespace(), last.name(), count, last.firstTimestamp()));
        Event merged = new EventBuilder(event).editMetadata().withName(last.name()).endMetadata()
                .withCount(count).withFirstTimestamp(last.firstTimestamp()).build();
        return new Increment(last.namespace(), last.name(), count, event.getLastTimestamp(), event.getMessage(), merged);
    }

    /** After the server lost the event (404 on patch): the next identical event starts from this re-created one. */
    void recreated(Event event) {
        seen.put(key(event), new Seen(event.getMetadata().getNamespace(), event.getMetadata().getName(), event.getCount(),
                event.getFirstTimestamp()));
    }

    /** client-go's getEventKey: everything but the timestamps and count. */
    private static List<String> key(Event event) {
        ObjectReference o = event.getInvolvedObject();
        return List.of(nullToEmpty(event.getSource().getComponent()), nullToEmpty(event.getSource().getHost()),
                nullToEmpty(o.getKind()), nullToEmpty(o.getNamespace()), nullToEmpty(o.getName()), nullToEmpty(o.getUid()),
                nullToEmpty(o.getApiVersion()), nullToEmpty(o.getFieldPath()), nullToEmpty(event.getType()), nullToEmpty(event.getReason()),
                nullToEmpty(event.getMessage()));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
