package dev.skiff.controller;

import java.util.List;

/** Every controller skiff's controller manager runs, one package each under dev.skiff.controller. */
public final class Controllers {
    private Controllers() {
    }

    public static List<ControllerDescriptor> all() {
        return List.of(
                dev.skiff.controller.replicaset.ReplicaSetController.DESCRIPTOR,
                dev.skiff.controller.replication.ReplicationManager.DESCRIPTOR,
                dev.skiff.controller.resourcequota.ResourceQuotaController.DESCRIPTOR,
                dev.skiff.controller.deployment.DeploymentController.DESCRIPTOR,
                dev.skiff.controller.garbagecollector.GarbageCollector.DESCRIPTOR,
                dev.skiff.controller.namespace.NamespaceController.DESCRIPTOR,
                dev.skiff.controller.endpoint.EndpointsController.DESCRIPTOR,
                dev.skiff.controller.endpointslice.EndpointSliceController.DESCRIPTOR,
                dev.skiff.controller.serviceaccount.ServiceAccountsController.DESCRIPTOR,
                dev.skiff.controller.serviceaccount.TokensController.DESCRIPTOR,
                dev.skiff.controller.rootcacertpublisher.RootCaCertPublisher.DESCRIPTOR,
                dev.skiff.controller.podgc.PodGarbageCollector.DESCRIPTOR,
                dev.skiff.controller.nodelifecycle.NodeLifecycleController.DESCRIPTOR,
                dev.skiff.controller.tainteviction.TaintEvictionController.DESCRIPTOR,
                dev.skiff.controller.statefulset.StatefulSetController.DESCRIPTOR,
                dev.skiff.controller.daemonset.DaemonSetController.DESCRIPTOR,
                dev.skiff.controller.job.JobController.DESCRIPTOR,
                dev.skiff.controller.cronjob.CronJobController.DESCRIPTOR,
                dev.skiff.controller.ttlafterfinished.TtlAfterFinishedController.DESCRIPTOR,
                dev.skiff.controller.nodeipam.NodeIpamController.DESCRIPTOR,
                dev.skiff.controller.disruption.DisruptionController.DESCRIPTOR,
                dev.skiff.controller.podautoscaler.HorizontalController.DESCRIPTOR,
                dev.skiff.controller.volume.persistentvolume.PersistentVolumeController.DESCRIPTOR
        );
    }
}
