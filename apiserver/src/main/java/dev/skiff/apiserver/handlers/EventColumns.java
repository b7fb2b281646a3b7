package dev.skiff.apiserver.handlers;

import dev.skiff.apiserver.handlers.TableConvertor.Column;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The core/v1 event table as upstream's printEvent: LAST SEEN (with "(xN over D)" for repeated
 * events), TYPE, REASON, OBJECT as kind/name, MESSAGE; -o wide adds SUBOBJECT, SOURCE, FIRST SEEN,
 * COUNT and NAME.
 */
final class EventColumns {
    private EventColumns() {
    }

    static List<Column> columns(Clock clock) {
        return List.of(
                new Column("Last Seen", "string", "", "Time when last occurrence of this event was recorded.", o -> lastSeen(asCore(o), clock)),
                new Column("Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future",
                        o -> orEmpty(asCore(o).getType())),
                new Column("Reason", "string", "", "This should be a short, machine understandable string that gives the reason "
                        + "for the transition into the object's current status.", o -> orEmpty(asCore(o).getReason())),
                new Column("Object", "string", "", "The object that this event is about.", o -> object(asCore(o))),
                new Column("Subobject", "string", "", "The subobject that this event is about.", o -> {
                    var ref = asCore(o).getInvolvedObject();
                    return ref == null ? "" : orEmpty(ref.getFieldPath());
                }, 1),
                new Column("Source", "string", "", "The component reporting this event.", o -> source(asCore(o)), 1),
                new Column("Message", "string", "", "A human-readable description of the status of this operation.",
                        o -> orEmpty(asCore(o).getMessage())),
                new Column("First Seen", "string", "", "The time at which the event was first recorded.", o -> {
                    var e = asCore(o);
                    Instant first = instant(e.getFirstTimestamp());
                    if (first == null) {
                        first = eventTime(e);
                    }
                    return since(first, clock);
                }, 1),
                new Column("Count", "string", "", "The number of times this event has occurred.", o -> {
                    var e = asCore(o);
                    if (e.getSeries() != null && e.getSeries().getCount() != null) {
                        return String.valueOf(e.getSeries().getCount());
                    }
                    return String.valueOf(e.getCount() == null ? 1 : e.getCount());
                }, 1),
                new Column("Name", "string", "", TableConvertor.NAME_DESCRIPTION, o -> o.getMetadata().getName(), 1));
    }

    /**
     * The core view of an event: events.k8s.io/v1 Events are the same stored objects under other
     * field names (regarding, note, deprecated*), mapped back as upstream's conversion does.
     */
    static Event asCore(HasMetadata o) {
        if (o instanceof Event core) {
            return core;
        }
        var v1 = (io.fabric8.kubernetes.api.model.events.v1.Event) o;
        Event e = new Event();
        e.setMetadata(v1.getMetadata());
        e.setInvolvedObject(v1.getRegarding());
        e.setMessage(v1.getNote());
        e.setReason(v1.getReason());
        e.setType(v1.getType());
        e.setSource(v1.getDeprecatedSource());
        e.setCount(v1.getDeprecatedCount());
        e.setFirstTimestamp(v1.getDeprecatedFirstTimestamp());
        e.setLastTimestamp(v1.getDeprecatedLastTimestamp());
        e.setEventTime(v1.getEventTime());
        e.setReportingComponent(v1.getReportingController());
        e.setReportingInstance(v1.getReportingInstance());
        if (v1.getSeries() != null) {
            e.setSeries(new io.fabric8.kubernetes.api.model.EventSeries(v1.getSeries().getCount(), v1.getSeries().getLastObservedTime()));
        }
        return e;
    }

    private static String lastSeen(Event e, Clock clock) {
        Instant last = instant(e.getLastTimestamp());
        if (e.getSeries() != null && e.getSeries().getCount() != null) {
            Instant lastObserved = instant(e.getSeries().getLastObservedTime() == null ? null : e.getSeries().getLastObservedTime().getTime());
            Instant first = eventTime(e);
            return since(lastObserved, clock) + " (x" + e.getSeries().getCount() + " over " + since(first, lastObserved) + ")";
        }
        if (e.getCount() != null && e.getCount() > 1) {
            Instant first = instant(e.getFirstTimestamp());
            return since(last, clock) + " (x" + e.getCount() + " over " + since(first, last) + ")";
        }
        if (last == null) {
            last = eventTime(e);
        }
        return since(last, clock);
    }

    private static Instant eventTime(Event e) {
        Instant t = e.getEventTime() == null ? null : instant(e.getEventTime().getTime());
        return t != null ? t : instant(e.getMetadata().getCreationTimestamp());
    }

    private static String object(Event e) {
        var ref = e.getInvolvedObject();
        if (ref == null) {
            return "/";
        }
        return orEmpty(ref.getKind()).toLowerCase(Locale.ROOT) + "/" + orEmpty(ref.getName());
    }

    private static String source(Event e) {
        String component = e.getSource() == null ? "" : orEmpty(e.getSource().getComponent());
        String host = e.getSource() == null ? "" : orEmpty(e.getSource().getHost());
        if (component.isEmpty()) {
            component = orEmpty(e.getReportingComponent());
            host = orEmpty(e.getReportingInstance());
        }
        return host.isEmpty() ? component : component + ", " + host;
    }

    private static String since(Instant from, Clock clock) {
        return since(from, clock.instant());
    }

    private static String since(Instant from, Instant to) {
        if (from == null || to == null) {
            return "<unknown>";
        }
        return TableConvertor.humanDuration(Duration.between(from, to));
    }

    private static Instant instant(String timestamp) {
        return timestamp == null || timestamp.isEmpty() ? null : Instant.parse(timestamp);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
