package dev.skiff.scheduler.framework;

import java.util.EnumSet;
import java.util.Set;

/**
 * What changed in the cluster, as upstream's framework.ClusterEvent: a resource and the kinds of
 * change. The queue moves an unschedulable pod back when an event matches one registered by a
 * plugin that rejected it and that plugin's hint says it may help.
 */
public record ClusterEvent(Resource resource, Set<ActionType> actions, String label) {
    public enum Resource { POD, NODE, PERSISTENT_VOLUME_CLAIM, PERSISTENT_VOLUME, STORAGE_CLASS, WILDCARD }

    public enum ActionType {
        ADD, DELETE, UPDATE_NODE_ALLOCATABLE, UPDATE_NODE_LABEL, UPDATE_NODE_TAINT, UPDATE_NODE_CONDITION,
        UPDATE_NODE_ANNOTATION, UPDATE_POD_LABEL, UPDATE_POD_SCALE_DOWN, UPDATE_POD_TOLERATIONS, UPDATE
    }

    public static final ClusterEvent NODE_ADD = new ClusterEvent(Resource.NODE, EnumSet.of(ActionType.ADD), "NodeAdd");
    public static final ClusterEvent ASSIGNED_POD_ADD = new ClusterEvent(Resource.POD, EnumSet.of(ActionType.ADD), "AssignedPodAdd");
    public static final ClusterEvent ASSIGNED_POD_DELETE = new ClusterEvent(Resource.POD, EnumSet.of(ActionType.DELETE), "AssignedPodDelete");
    /** Fired by the periodic flush of pods left unschedulable too long. */
    public static final ClusterEvent UNSCHEDULABLE_TIMEOUT = new ClusterEvent(Resource.WILDCARD, EnumSet.allOf(ActionType.class), "UnschedulableTimeout");

    public static ClusterEvent of(Resource resource, ActionType... actions) {
        return new ClusterEvent(resource, EnumSet.of(actions[0], actions), resource + "" + EnumSet.of(actions[0], actions));
    }

    /** Whether an event that happened is covered by this registered one. */
    public boolean covers(ClusterEvent happened) {
        boolean resourceMatch = resource == Resource.WILDCARD || happened.resource == Resource.WILDCARD || resource == happened.resource;
        if (!resourceMatch) {
            return false;
        }
        if (actions.contains(ActionType.UPDATE) && happened.actions.stream().anyMatch(a -> a != ActionType.ADD && a != ActionType.DELETE)) {
            return true;
        }
        return happened.actions.stream().anyMatch(actions::contains);
    }
}
