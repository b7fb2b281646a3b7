package dev.skiff.apiserver.httpstream.wsstream;

import java.util.ArrayList;
import java.util.List;

/**
 * The WebSocket channel protocols of remote commands (upstream: apimachinery's wsstream and
 * util/remotecommand constants): every binary message starts with the byte of its channel - 0
 * stdin, 1 stdout, 2 stderr, 3 error (the Status), 4 resize (a TerminalSize as JSON). Version 5 adds
 * a CLOSE signal, channel 255 whose one payload byte names the channel the client has closed, so
 * stdin can end while the output keeps flowing. Port-forward over WebSocket instead tunnels SPDY
 * frames in binary messages under {@link #PORT_FORWARD_TUNNELING}.
 */
public final class RemoteCommandChannels {
    public static final String V5 = "v5.channel.k8s.io";
    /** What kubectl 1.31+ asks for to tunnel port-forward's SPDY through a WebSocket. */
    public static final String PORT_FORWARD_TUNNELING = "SPDY/3.1+portforward.k8s.io";
    /** What the kubelet is asked for under SPDY for a tunnelled port-forward. */
    public static final String PORT_FORWARD_SPDY = "portforward.k8s.io";
    /** The remotecommand protocol spoken to the kubelet under SPDY when translating (the newest over SPDY). */
    public static final String V4 = "v4.channel.k8s.io";

    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int ERROR = 3;
    public static final int RESIZE = 4;
    public static final int CLOSE = 255;

    private RemoteCommandChannels() {
    }

    /** The subprotocols a WebSocket handshake offers (Sec-WebSocket-Protocol, comma-separated, possibly repeated). */
    public static List<String> offered(List<String> headerValues) {
        var protocols = new ArrayList<String>();
        for (String value : headerValues) {
            for (String protocol : value.split(",")) {
                if (!protocol.isBlank()) {
                    protocols.add(protocol.strip());
                }
            }
        }
        return protocols;
    }
}
