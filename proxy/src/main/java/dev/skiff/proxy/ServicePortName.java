package dev.skiff.proxy;

/**
 * One port of one service (upstream's proxy.ServicePortName): {@code namespace/name:port}, or
 * {@code namespace/name} for an unnamed port. Its string form is what chain names are hashed from and
 * what rule comments show.
 */
public record ServicePortName(String namespace, String name, String port) {
    @Override
    public String toString() {
        return namespace + "/" + name + (port.isEmpty() ? "" : ":" + port);
    }
}
