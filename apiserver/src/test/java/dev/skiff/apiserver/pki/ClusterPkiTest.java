package dev.skiff.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static SubjectAltNames sans(String... extra) {
        return SubjectAltNames.forApiServer(List.of(SubjectAltNames.literal("192.0.2.10")), SubjectAltNames.literal("10.43.0.1"),
                "cluster.local", List.of(extra));
    }

    @Test
    void servingCertificateCarriesEveryNameKubeApiserverNeeds() throws Exception {
        var pki = ClusterPki.loadOrCreate(dir, sans("skiff.example", "203.0.113.7"), CLOCK);
        var names = SubjectAltNames.of(pki.serving().certificate());
        assertThat(names.dnsNames()).containsExactlyInAnyOrder("localhost", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "skiff.example");
        assertThat(names.ips()).containsExactlyInAnyOrder(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"),
                InetAddress.getByName("10.43.0.1"), InetAddress.getByName("192.0.2.10"), InetAddress.getByName("203.0.113.7"));
        assertThat(pki.serving().certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void servingAndAdminCertificatesChainToTheClusterCa() throws Exception {
        var pki = ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        X509Certificate ca = pki.ca().certificate();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        for (var leaf : List.of(pki.serving().certificate(), pki.admin().certificate())) {
            var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
            var params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(NOW));
            CertPathValidator.getInstance("PKIX").validate(path, params); // throws when it does not chain
        }
        assertThat(pki.admin().certificate().getSubjectX500Principal().getName()).isEqualTo("CN=system:admin,O=system:masters");
        assertThat(pki.admin().certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(pki.serving().certificate().getNotBefore().toInstant()).isBefore(NOW);
    }

    @Test
    void privateKeysAreOwnerOnlyAndCertificatesReadable() throws Exception {
        ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        for (String key : List.of(ClusterPki.CA_KEY, ClusterPki.SERVING_KEY, ClusterPki.ADMIN_KEY)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key)))).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(ClusterPki.CA_CERT)))).isEqualTo("rw-r--r--");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void restartReusesEveryCertificate() {
        var first = ClusterPki.loadOrCreate(dir, sans("skiff.example"), CLOCK);
        var second = ClusterPki.loadOrCreate(dir, sans("skiff.example"), Clock.offset(CLOCK, Duration.ofDays(30)));
        assertThat(second.ca().certificate()).isEqualTo(first.ca().certificate());
        assertThat(second.serving().certificate()).isEqualTo(first.serving().certificate());
        assertThat(second.admin().certificate()).isEqualTo(first.admin().certificate());
        assertThat(second.serving().key().getEncoded()).isEqualTo(first.serving().key().getEncoded());
    }

    @Test
    void changedNamesReissueOnlyTheServingCertificate() {
        var first = ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        var second = ClusterPki.loadOrCreate(dir, sans("added.example"), CLOCK);
        assertThat(second.ca().certificate()).isEqualTo(first.ca().certificate());
        assertThat(second.admin().certificate()).isEqualTo(first.admin().certificate());
        assertThat(second.serving().certificate()).isNotEqualTo(first.serving().certificate());
        assertThat(SubjectAltNames.of(second.serving().certificate()).dnsNames()).contains("added.example");
        assertThat(ClusterPki.signedBy(second.serving().certificate(), first.ca().certificate())).isTrue();
    }

    @Test
    void leavesCloseToExpiryAreRenewedUnderTheSameCa() {
        var first = ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        var later = ClusterPki.loadOrCreate(dir, sans(), Clock.offset(CLOCK, Duration.ofDays(300)));
        assertThat(later.ca().certificate()).isEqualTo(first.ca().certificate());
        assertThat(later.serving().certificate()).isNotEqualTo(first.serving().certificate());
        assertThat(later.admin().certificate()).isNotEqualTo(first.admin().certificate());
    }

    @Test
    void aLeafFromAnotherCaIsReplaced() throws Exception {
        var other = Files.createDirectory(dir.resolve("other"));
        var mine = Files.createDirectory(dir.resolve("mine"));
        ClusterPki.loadOrCreate(other, sans(), CLOCK);
        var first = ClusterPki.loadOrCreate(mine, sans(), CLOCK);
        Files.copy(other.resolve(ClusterPki.SERVING_CERT), mine.resolve(ClusterPki.SERVING_CERT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(other.resolve(ClusterPki.SERVING_KEY), mine.resolve(ClusterPki.SERVING_KEY), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var again = ClusterPki.loadOrCreate(mine, sans(), CLOCK);
        assertThat(ClusterPki.signedBy(again.serving().certificate(), first.ca().certificate())).isTrue();
    }

    @Test
    void aCaKeyWithoutItsCertificateIsRefusedNotReplaced() throws Exception {
        ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        Files.delete(dir.resolve(ClusterPki.CA_CERT));
        byte[] key = Files.readAllBytes(dir.resolve(ClusterPki.CA_KEY));
        assertThatThrownBy(() -> ClusterPki.loadOrCreate(dir, sans(), CLOCK))
                .hasMessageContaining("incomplete cluster CA").hasMessageContaining(dir.toString());
        assertThat(dir.resolve(ClusterPki.CA_KEY)).hasBinaryContent(key);
    }

    @Test
    void serverTokenIsK3sSecureFormatOwnerOnlyAndStable() throws Exception {
        var pki = ClusterPki.loadOrCreate(dir, sans(), CLOCK);
        Path file = dir.resolve("token");
        String token = ServerToken.loadOrCreate(file, pki.ca().certificate());
        assertThat(token).matches("K10[0-9a-f]{64}::server:[0-9a-f]{32}");
        assertThat(token).startsWith("K10" + ServerToken.caHash(pki.ca().certificate()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ServerToken.loadOrCreate(file, pki.ca().certificate())).isEqualTo(token);
    }
}
