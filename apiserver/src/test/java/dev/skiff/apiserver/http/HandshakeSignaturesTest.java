package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandshakeSignaturesTest {

    @Test
    void liftsOnlyTheSha1HandshakeSignatureBansOfEcdsaAndRsa() {
        String jdk25 = "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, "
                + "ECDH, TLS_RSA_*, rsa_pkcs1_sha1 usage HandshakeSignature, ecdsa_sha1   usage HandshakeSignature, dsa_sha1 usage HandshakeSignature";
        assertThat(HandshakeSignatures.withoutSha1HandshakeBans(jdk25)).isEqualTo(
                "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, "
                        + "ECDH, TLS_RSA_*, dsa_sha1 usage HandshakeSignature");
    }

    @Test
    void leavesAValueWithoutTheBansAsItIs() {
        String older = "SSLv3, TLSv1, RC4 , ECDH";
        assertThat(HandshakeSignatures.withoutSha1HandshakeBans(older)).isSameAs(older);
    }
}
