package dev.skiff.agent.kubelet.volumemanager;

/** A pod volume that could not be set up; the message is upstream's FailedMount event message. */
public final class VolumeSetUpException extends Exception {
    public VolumeSetUpException(String message, Throwable cause) {
        super(message, cause);
    }
}
