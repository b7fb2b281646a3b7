package dev.skiff.proxy;

/**
 * One backend of a service port (upstream's proxy.Endpoint), from an EndpointSlice endpoint: its
 * conditions as the EndpointSlice API defines them (ready, serving, terminating) and whether it runs on
 * this node.
 */
public record Endpoint(String ip, int port, boolean ready, boolean serving, boolean terminating, boolean local) {
    /** {@code ip:port}, as endpoint chain names are hashed from and DNAT targets are written. */
    public String address() {
        return ip + ":" + port;
    }
}
