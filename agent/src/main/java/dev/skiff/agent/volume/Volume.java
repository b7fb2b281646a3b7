package dev.skiff.agent.volume;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One volume of one pod on this node (upstream: pkg/volume's Mounter and Unmounter): where on the
 * host its content is, which containers bind-mount; {@link #setUp} makes it ready and is repeated
 * (a configMap or secret volume then follows its source), {@link #tearDown} removes what setUp made.
 */
public interface Volume {
    /** The host path containers mount. */
    Path path();

    /** Whether every mount of it is read-only (configMap, secret, downwardAPI and projected are, as upstream). */
    default boolean readOnly() {
        return false;
    }

    /** Makes the content ready; idempotent. An error's message is what the FailedMount event reports after the volume's name. */
    void setUp() throws IOException;

    /** Removes what setUp made on the host (unmounts, deletes the pod's directory for it); nothing for a volume the node owns. */
    void tearDown() throws IOException;
}
