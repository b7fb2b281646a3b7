package dev.skiff.apiserver.authn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who made a request, as upstream's user.Info: a name, a uid (empty when the authenticator has
 * none), the groups it belongs to and extra attributes (e.g. the pod a service-account token is
 * bound to).
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
    public static final String AUTHENTICATED_GROUP = "system:authenticated";
    public static final String MASTERS_GROUP = "system:masters";

    public UserInfo {
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
        var copy = new LinkedHashMap<String, List<String>>();
        extra.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        extra = java.util.Collections.unmodifiableMap(copy);
    }

    public UserInfo(String name, List<String> groups) {
        this(name, "", groups, Map.of());
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }

    public UserInfo withGroups(List<String> newGroups) {
        return new UserInfo(name, uid, newGroups, extra);
    }
}
