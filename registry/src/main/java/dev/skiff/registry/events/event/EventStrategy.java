package dev.skiff.registry.events.event;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Events in their storage form, the core/v1 Event under {@code /registry/events} that core/v1 and
 * events.k8s.io/v1 share (upstream stores both there): the legacy rules of ValidateEventCreate
 * that hold for every request version (the regarding object's namespace is the event's, type
 * Normal or Warning when set). The stricter events.k8s.io-only rules are not checked.
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
        var involved = event.getInvolvedObject();
        if (involved != null && involved.getNamespace() != null && !involved.getNamespace().isEmpty()
                && namespace != null && !namespace.equals(involved.getNamespace())) {
            causes.add(Cause.invalid("involvedObject.namespace", involved.getNamespace(), "does not match event.namespace"));
        }
        String type = event.getType();
        if (type != null && !type.isEmpty() && !List.of("Normal", "Warning").contains(type)) {
            causes.add(Cause.notSupported("type", type, List.of("Normal", "Warning")));
        }
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(Event event, Event old) {
        return validate(event);
    }

    @Override
    public boolean allowCreateOnUpdate() {
        return true;
    }
}
