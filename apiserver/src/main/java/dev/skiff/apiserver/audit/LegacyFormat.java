package dev.skiff.apiserver.audit;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Collectors;

/**
 * kube-apiserver's {@code --audit-log-format=legacy}: one line of text per event (upstream's
 * audit.EventString) with the request's time, ID, stage, source IP, verb, user and groups,
 * impersonation (skiff has none: {@code <self>}), user agent, namespace, URI and the response code
 * ({@code <deferred>} before there is one). Strings are quoted as Go's %q quotes them.
 */
final class LegacyFormat {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    private LegacyFormat() {
    }

    static String line(Event e, Instant received) {
        String username = "<none>";
        String groups = "<none>";
        if (!e.user().username().isEmpty()) {
            username = e.user().username();
            if (!e.user().groups().isEmpty()) {
                groups = e.user().groups().stream().map(LegacyFormat::quote).collect(Collectors.joining(","));
            }
        }
        String namespace = e.objectRef() != null && !e.objectRef().namespace().isEmpty() ? e.objectRef().namespace() : "<none>";
        String response = e.responseStatus() != null ? String.valueOf(e.responseStatus().path("code").asInt()) : "<deferred>";
        String ip = e.sourceIPs() == null || e.sourceIPs().isEmpty() ? "<unknown>" : e.sourceIPs().getFirst();
        return rfc3339Nano(received) + " AUDIT: id=" + quote(e.auditID()) + " stage=" + quote(e.stage().name()) + " ip=" + quote(ip)
                + " method=" + quote(e.verb()) + " user=" + quote(username) + " groups=" + quote(groups) + " as=" + quote("<self>")
                + " asgroups=" + quote("<lookup>") + " user-agent=" + quote(e.userAgent() == null ? "" : e.userAgent())
                + " namespace=" + quote(namespace) + " uri=" + quote(e.requestURI()) + " response=\"" + response + "\"";
    }

    /** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros, none when whole. */
    static String rfc3339Nano(Instant instant) {
        String seconds = LocalDateTime.ofInstant(instant, ZoneOffset.UTC).format(SECONDS);
        if (instant.getNano() == 0) {
            return seconds + "Z";
        }
        String fraction = String.format("%09d", instant.getNano()).replaceAll("0+$", "");
        return seconds + "." + fraction + "Z";
    }

    private static String quote(String s) {
        return dev.skiff.api.errors.ApiException.goQuote(s);
    }
}
