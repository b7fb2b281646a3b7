package dev.skiff.registry.core.pod;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Whether a string is an IP literal (IPv4 dotted quad or IPv6), never resolving names. */
public final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

    private IpAddresses() {
    }

    public static boolean isValid(String ip) {
        if (ip == null || ip.isEmpty()) {
            return false;
        }
        if (IPV4.matcher(ip).matches()) {
            return true;
        }
        if (!ip.contains(":") || !IPV6_CHARS.matcher(ip).matches()) {
            return false;
        }
        try {
            InetAddress.getByName(ip); // a literal of these characters is parsed, not looked up
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
