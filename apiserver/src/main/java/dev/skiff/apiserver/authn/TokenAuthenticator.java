package dev.skiff.apiserver.authn;

import dev.skiff.apiserver.authn.AuthenticationResult.Authenticated;
import dev.skiff.apiserver.authn.AuthenticationResult.NotPresented;
import dev.skiff.apiserver.authn.AuthenticationResult.Rejected;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/** Static bearer tokens ({@code Authorization: Bearer <token>}), as upstream's token file authenticator. */
public final class TokenAuthenticator implements Authenticator {
    private final Map<String, UserInfo> users;

    public TokenAuthenticator(Map<String, UserInfo> users) {
        this.users = Map.copyOf(users);
    }

    @Override
    public AuthenticationResult authenticate(Credentials credentials) {
        String token = credentials.bearerToken();
        if (token == null) {
            return new NotPresented();
        }
        byte[] presented = token.getBytes(StandardCharsets.UTF_8);
        UserInfo match = null;
        for (var entry : users.entrySet()) {
            // every token compared in constant time, and all of them, so timing tells nothing
            if (MessageDigest.isEqual(entry.getKey().getBytes(StandardCharsets.UTF_8), presented)) {
                match = entry.getValue();
            }
        }
        return match != null ? new Authenticated(match) : new Rejected("invalid bearer token");
    }
}
