package dev.skiff.apiserver.endpoints;

import dev.skiff.apiserver.authn.UserInfo;
import dev.skiff.apiserver.request.RequestInfo;
import dev.skiff.registry.generic.ObjectAdmission;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request that passed the chain: who sent it, what it is about, and its body (already bounded
 * by the body limit and, when mutating, as admission left it), and the object-level admission the
 * registry runs on what it writes. Header names are lowercase.
 */
public record ApiRequest(RequestInfo info, UserInfo user, String method, String path,
                         Map<String, List<String>> query, Map<String, List<String>> headers, byte[] body, ObjectAdmission admission) {

    /** A request without object-level admission. */
    public ApiRequest(RequestInfo info, UserInfo user, String method, String path,
                      Map<String, List<String>> query, Map<String, List<String>> headers, byte[] body) {
        this(info, user, method, path, query, headers, body, ObjectAdmission.NONE);
    }

    public String queryParam(String name) {
        var values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    public String header(String name) {
        var values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Asks to switch to WebSocket (upstream: wsstream.IsWebSocketRequest). */
    public boolean webSocketRequested() {
        return webSocketRequested(header("upgrade"), header("connection"));
    }

    public static boolean webSocketRequested(String upgrade, String connection) {
        return upgrade != null && upgrade.equalsIgnoreCase("websocket") && connection != null
                && connection.toLowerCase(Locale.ROOT).contains("upgrade");
    }
}
