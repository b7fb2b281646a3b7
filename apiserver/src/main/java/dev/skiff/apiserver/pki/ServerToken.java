package dev.skiff.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The server token, in k3s's "secure" format {@code K10<sha256 of the CA cert>::server:<secret>}:
 * a joining agent can check the CA it is shown against the hash before trusting it. Generated at
 * first start, kept with mode 0600, and accepted as a bearer token for the admin user.
 */
public final class ServerToken {
    private ServerToken() {
    }

    public static String loadOrCreate(Path file, X509Certificate ca) {
        try {
            if (Files.exists(file)) {
                String token = Files.readString(file).strip();
                if (token.isEmpty()) {
                    throw new IllegalStateException("token file " + file + " is empty");
                }
                return token;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
        var secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String token = "K10" + caHash(ca) + "::server:" + HexFormat.of().formatHex(secret);
        PemFiles.write(file, token + "\n", PemFiles.OWNER_ONLY);
        return token;
    }

    static String caHash(X509Certificate ca) {
        try {
            // k3s hashes the PEM bundle bytes, as they are served at /cacerts
            byte[] pem = PemFiles.encode(ca).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pem));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
