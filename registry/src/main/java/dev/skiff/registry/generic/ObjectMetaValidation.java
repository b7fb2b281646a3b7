package dev.skiff.registry.generic;

import dev.skiff.api.errors.ApiException.Cause;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Name format checks with upstream's wording (apimachinery validation.IsDNS1123Subdomain/Label).
 * Kept minimal here until the api module's validation helpers land; then strategies use those.
 */
public final class ObjectMetaValidation {
    private static final String LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String SUBDOMAIN_FMT = LABEL_FMT + "(\\." + LABEL_FMT + ")*";
    private static final Pattern LABEL = Pattern.compile(LABEL_FMT);
    private static final Pattern SUBDOMAIN = Pattern.compile(SUBDOMAIN_FMT);

    private ObjectMetaValidation() {
    }

    public static List<Cause> dnsSubdomainName(String name) {
        List<Cause> causes = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            return causes; // presence is the registry's check
        }
        if (name.length() > 253) {
            causes.add(Cause.invalid("metadata.name", name, "must be no more than 253 characters"));
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            causes.add(Cause.invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower case "
                    + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
                    + "(e.g. 'example.com', regex used for validation is '" + SUBDOMAIN_FMT + "')"));
        }
        return causes;
    }

    public static List<Cause> dnsLabelName(String name) {
        List<Cause> causes = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            return causes;
        }
        if (name.length() > 63) {
            causes.add(Cause.invalid("metadata.name", name, "must be no more than 63 characters"));
        }
        if (!LABEL.matcher(name).matches()) {
            causes.add(Cause.invalid("metadata.name", name, "a lowercase RFC 1123 label must consist of lower case "
                    + "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                    + "(e.g. 'my-name',  or '123-abc', regex used for validation is '" + LABEL_FMT + "')"));
        }
        return causes;
    }
}
