package dev.skiff.proxy.iptables;

import dev.skiff.proxy.Endpoint;
import dev.skiff.proxy.ServicePort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The chains this proxy owns, named exactly as upstream's iptables proxier names them, so
 * {@code iptables-save} on a skiff node reads like one on any Kubernetes node. Per-service chains end
 * in the first 16 base32 characters of SHA-256 over the service port name, protocol (and endpoint),
 * which keeps them within iptables' 28-character chain names and stable across restarts.
 */
public final class ChainNames {
    public static final String SERVICES = "KUBE-SERVICES";
    public static final String EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES";
    public static final String NODE_PORTS = "KUBE-NODEPORTS";
    public static final String POSTROUTING = "KUBE-POSTROUTING";
    public static final String MARK_MASQ = "KUBE-MARK-MASQ";
    public static final String FORWARD = "KUBE-FORWARD";
    /** Prefixes of the per-service chains (cluster policy, local policy, external, firewall, endpoint). */
    static final String SVC = "KUBE-SVC-";
    static final String SVL = "KUBE-SVL-";
    static final String EXT = "KUBE-EXT-";
    static final String FW = "KUBE-FW-";
    static final String SEP = "KUBE-SEP-";
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private ChainNames() {
    }

    /** Whether {@code chain} is one this proxy creates (and so may flush and delete). */
    public static boolean ours(String chain) {
        return chain.equals(SERVICES) || chain.equals(EXTERNAL_SERVICES) || chain.equals(NODE_PORTS) || chain.equals(POSTROUTING)
                || chain.equals(MARK_MASQ) || chain.equals(FORWARD) || perService(chain);
    }

    /** Whether {@code chain} belongs to one service port (and is deleted once no service port needs it). */
    static boolean perService(String chain) {
        return chain.startsWith(SVC) || chain.startsWith(SVL) || chain.startsWith(EXT) || chain.startsWith(FW) || chain.startsWith(SEP);
    }

    static String clusterPolicy(ServicePort port) {
        return SVC + portProtoHash(port);
    }

    static String localPolicy(ServicePort port) {
        return SVL + portProtoHash(port);
    }

    static String external(ServicePort port) {
        return EXT + portProtoHash(port);
    }

    static String endpoint(ServicePort port, Endpoint endpoint) {
        return SEP + hash(port.name() + port.protocol() + endpoint.address());
    }

    private static String portProtoHash(ServicePort port) {
        return hash(port.name() + port.protocol());
    }

    /** The first 16 characters of the standard (RFC 4648) base32 encoding of SHA-256 of {@code s}. */
    static String hash(String s) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // 16 characters of 5 bits are the first 80 bits: 10 bytes
        long high = 0;
        for (int i = 0; i < 5; i++) {
            high = high << 8 | (digest[i] & 0xff);
        }
        long low = 0;
        for (int i = 5; i < 10; i++) {
            low = low << 8 | (digest[i] & 0xff);
        }
        var out = new char[16];
        for (int i = 0; i < 8; i++) {
            out[i] = BASE32.charAt((int) (high >>> (35 - 5 * i)) & 31);
            out[8 + i] = BASE32.charAt((int) (low >>> (35 - 5 * i)) & 31);
        }
        return new String(out);
    }
}
