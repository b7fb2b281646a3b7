package dev.skiff.apiserver.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM encoding of certificates and keys, and files written whole with chosen permissions. */
public final class PemFiles {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {
    }

    public static String encode(X509Certificate certificate) {
        return pem(certificate);
    }

    /** PKCS#8 ("PRIVATE KEY"): what both Go's tls.X509KeyPair and Vert.x read. */
    public static String encode(PrivateKey key) {
        try {
            return pem(new JcaPKCS8Generator(key, null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(Object object) {
        var out = new StringWriter();
        try (var writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** X.509 SubjectPublicKeyInfo ("PUBLIC KEY"), as openssl and kubeadm write sa.pub. */
    public static String encode(PublicKey key) {
        return pem(key);
    }

    static PublicKey readPublicKey(Path file) throws IOException {
        try (var parser = new PEMParser(new StringReader(Files.readString(file)))) {
            if (parser.readObject() instanceof SubjectPublicKeyInfo info) {
                return new JcaPEMKeyConverter().getPublicKey(info);
            }
            throw new IOException(file + " holds no PEM public key");
        }
    }

    static X509Certificate readCertificate(Path file) throws IOException {
        try (var parser = new PEMParser(new StringReader(Files.readString(file)))) {
            if (parser.readObject() instanceof X509CertificateHolder holder) {
                return new JcaX509CertificateConverter().getCertificate(holder);
            }
            throw new IOException(file + " holds no PEM certificate");
        } catch (CertificateException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static PrivateKey readKey(Path file) throws IOException {
        try (var parser = new PEMParser(new StringReader(Files.readString(file)))) {
            var converter = new JcaPEMKeyConverter();
            return switch (parser.readObject()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                case null, default -> throw new IOException(file + " holds no PEM private key");
            };
        }
    }

    static void writeCertificate(Path file, X509Certificate certificate) {
        write(file, encode(certificate), READABLE);
    }

    static void writeKey(Path file, PrivateKey key) {
        write(file, encode(key), OWNER_ONLY);
    }

    static void writePublicKey(Path file, PublicKey key) {
        write(file, encode(key), READABLE);
    }

    /**
     * Writes through a sibling temp file created with its final permissions and renamed into
     * place, so a secret is never readable by others, not even briefly, and a crash leaves
     * either the old file or the new one.
     */
    public static void write(Path file, String content, Set<PosixFilePermission> mode) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try {
                Files.writeString(temp, content, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(temp, mode);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
