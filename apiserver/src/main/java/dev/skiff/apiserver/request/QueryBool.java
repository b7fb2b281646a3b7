package dev.skiff.apiserver.request;

/**
 * A boolean query parameter as upstream decodes them (metav1's Convert_Slice_string_To_bool): absent
 * is false; "0" and "false" in any case are false; every other value, empty included, is true - so
 * the Python client's {@code watch=True} is a watch.
 */
public final class QueryBool {
    private QueryBool() {
    }

    public static boolean isTrue(String value) {
        return value != null && !value.equals("0") && !value.equalsIgnoreCase("false");
    }
}
