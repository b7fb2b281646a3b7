package dev.skiff.controller;

import java.util.List;

/** Every controller skiff's controller manager runs, one package each under dev.skiff.controller. */
public final class Controllers {
    private Controllers() {
    }

    public static List<ControllerDescriptor> all() {
        return List.of(
                dev.skiff.controller.replicaset.ReplicaSetController.DESCRIPTOR,
                dev.skiff.controller.deployment.DeploymentController.DESCRIPTOR,
                dev.skiff.controller.job.JobController.DESCRIPTOR,
                dev.skiff.controller.cronjob.CronJobController.DESCRIPTOR,
                dev.skiff.controller.ttlafterfinished.TtlAfterFinishedController.DESCRIPTOR
        );
    }
}
