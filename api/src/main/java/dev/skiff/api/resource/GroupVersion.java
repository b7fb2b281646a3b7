package dev.skiff.api.resource;

/** An API group and version; the core group is "". */
public record GroupVersion(String group, String version) {
    /** "v1" for core, "apps/v1" otherwise: the apiVersion objects carry. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The URL prefix: /api/v1 or /apis/group/version. */
    public String path() {
        return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    }

    public static GroupVersion parse(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? new GroupVersion("", apiVersion)
                : new GroupVersion(apiVersion.substring(0, slash), apiVersion.substring(slash + 1));
    }

    @Override
    public String toString() {
        return apiVersion();
    }
}
