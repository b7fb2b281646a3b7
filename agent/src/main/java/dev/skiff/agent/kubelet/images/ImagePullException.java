package dev.skiff.agent.kubelet.images;

import java.io.IOException;

/**
 * A container's image is not there and could not be pulled (upstream: the errors of pkg/kubelet/images).
 * {@link #reason()} is the container's waiting reason - ErrImagePull, ImagePullBackOff, ErrImageNeverPull or
 * InvalidImageName - and the message its waiting message.
 */
public final class ImagePullException extends IOException {
    private final String reason;

    public ImagePullException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
