package dev.skiff.registry.core.event;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * core/v1 Events as upstream's pkg/registry/core/event with ValidateEventCreate's rule for the
 * legacy API: the involved object's namespace must be the event's; an involved object without a
 * namespace (a cluster-scoped one) reports into "default".
 */
public final class EventStrategy implements Strategy<Event> {
    public static final Resource<Event> RESOURCE = Resource.of("", "events", "Event", true, Event.class, Event::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public List<Cause> validate(Event event) {
        List<Cause> causes = new ArrayList<>();
        String namespace = event.getMetadata().getNamespace();
        String involved = event.getInvolvedObject() == null ? "" : nullToEmpty(event.getInvolvedObject().getNamespace());
        boolean matches = involved.isEmpty() ? namespace == null || namespace.isEmpty() || namespace.equals("default") : involved.equals(namespace);
        if (!matches) {
            causes.add(Cause.invalid("involvedObject.namespace", involved, "does not match event.namespace"));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Event event, Event old) {
        return validate(event);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
