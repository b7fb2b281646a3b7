package dev.skiff.agent.credentialprovider;

/**
 * Credentials for one registry, as a pull hands them to the runtime (upstream: credentialprovider.AuthConfig,
 * the fields of the CRI's AuthConfig). Empty strings for what is not set; credentials from a docker config
 * carry a username and password only.
 */
public record AuthConfig(String username, String password, String auth, String serverAddress, String identityToken,
                         String registryToken) {
    public AuthConfig {
        username = nullToEmpty(username);
        password = nullToEmpty(password);
        auth = nullToEmpty(auth);
        serverAddress = nullToEmpty(serverAddress);
        identityToken = nullToEmpty(identityToken);
        registryToken = nullToEmpty(registryToken);
    }

    public static AuthConfig basic(String username, String password) {
        return new AuthConfig(username, password, "", "", "", "");
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Without the secret parts, for logs. */
    @Override
    public String toString() {
        return "AuthConfig[username=" + username + ", serverAddress=" + serverAddress + "]";
    }
}
