package dev.skiff.apiserver.authn;

import java.util.List;

/** Who made a request, as upstream's user.Info: a name and the groups it belongs to. */
public record UserInfo(String name, List<String> groups) {
    public static final String AUTHENTICATED_GROUP = "system:authenticated";
    public static final String MASTERS_GROUP = "system:masters";

    public UserInfo {
        groups = List.copyOf(groups);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }
}
