package dev.skiff.scheduler.framework.plugins.volumebinding;

import dev.skiff.api.quantity.Quantities;
import dev.skiff.api.storage.volume.PersistentVolumes;
import dev.skiff.scheduler.framework.ClusterEvent;
import dev.skiff.scheduler.framework.ClusterEvent.ActionType;
import dev.skiff.scheduler.framework.ClusterEventWithHint;
import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.Handle;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.framework.Plugins.EnqueueExtensions;
import dev.skiff.scheduler.framework.Plugins.FilterPlugin;
import dev.skiff.scheduler.framework.Plugins.Outcome;
import dev.skiff.scheduler.framework.Plugins.PreBindPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterPlugin;
import dev.skiff.scheduler.framework.Plugins.PreFilterResult;
import dev.skiff.scheduler.framework.Plugins.ReservePlugin;
import dev.skiff.scheduler.framework.Status;
import dev.skiff.scheduler.framework.StorageAccess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySelectorLabelRequirement;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream's VolumeBinding plugin with its scheduler volume binder: places pods by their
 * PersistentVolumeClaims and binds the claims of WaitForFirstConsumer classes to the node chosen.
 * <ul>
 * <li>PreFilter: a pod without claims skips the plugin; a missing, lost or terminating claim, or an
 * unbound claim of an Immediate class (the PV controller binds those), makes the pod
 * UnschedulableAndUnresolvable. Bound claims whose local volumes name nodes by hostname narrow the
 * nodes to those.</li>
 * <li>Filter: a bound claim's volume must admit the node by its node affinity; each unbound
 * WaitForFirstConsumer claim needs an Available volume of its class admitting the node (the
 * smallest that fits, {@link PersistentVolumes#findMatchingVolume}), or else a class with a
 * provisioner whose allowedTopologies admit the node (the claim is then provisioned for it).</li>
 * <li>Reserve assumes the chosen volumes pre-bound (and the claims to provision annotated with the
 * node) in this plugin's cache, so later cycles do not pick them again; Unreserve drops that.</li>
 * <li>PreBind writes those volumes and claims through the API and waits, polling the informers,
 * until the PV controller has bound every claim, at most {@code bindTimeoutSeconds}.</li>
 * </ul>
 * Not implemented: the capacity score (behind an upstream feature gate that is off), CSI storage
 * capacity and CSI migration (skiff has no CSI drivers).
 */
public final class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeBinding.class);
    public static final String NAME = "VolumeBinding";
    /** Upstream's default VolumeBindingArgs.bindTimeoutSeconds. */
    public static final long DEFAULT_BIND_TIMEOUT_SECONDS = 600;
    static final String ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
    static final String ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict";
    static final String ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
    static final String ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
    private static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final Handle handle;
    private final Duration bindTimeout;
    private final AssumeCache<PersistentVolume> volumeCache = new AssumeCache<>();
    private final AssumeCache<PersistentVolumeClaim> claimCache = new AssumeCache<>();

    public VolumeBinding(Handle handle, Duration bindTimeout) {
        this.handle = handle;
        this.bindTimeout = bindTimeout;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A claim chosen to be bound to a volume on the node. */
    record Binding(PersistentVolume volume, PersistentVolumeClaim claim) {
    }

    /** What Filter found for one node: claims to pre-bind to volumes, and claims to provision there. */
    static final class PodVolumes {
        List<Binding> staticBindings = List.of();
        List<PersistentVolumeClaim> dynamicProvisions = List.of();
    }

    /** The cycle's state; shared (not copied) by preemption's what-ifs, as upstream's. */
    static final class State implements CycleState.StateData {
        final List<PersistentVolumeClaim> boundClaims;
        final List<PersistentVolumeClaim> claimsToBind;
        /** The candidate volumes of each class of the claims to bind, listed in PreFilter. */
        final Map<String, List<PersistentVolume>> volumesByClass;
        final Map<String, PodVolumes> byNode = new ConcurrentHashMap<>();
        volatile boolean allBound;

        State(List<PersistentVolumeClaim> boundClaims, List<PersistentVolumeClaim> claimsToBind, Map<String, List<PersistentVolume>> volumesByClass) {
            this.boundClaims = boundClaims;
            this.claimsToBind = claimsToBind;
            this.volumesByClass = volumesByClass;
        }

        @Override
        public CycleState.StateData copy() {
            return this;
        }
    }

    // --- reads through the assume caches

    private StorageAccess storage() {
        return handle.storage();
    }

    private PersistentVolumeClaim claim(String namespace, String name) {
        return claimCache.get(namespace + "/" + name, storage().claim(namespace, name));
    }

    private PersistentVolume volume(String name) {
        return volumeCache.get(name, storage().volume(name));
    }

    private List<PersistentVolume> volumesOfClass(String className) {
        List<PersistentVolume> out = new ArrayList<>();
        for (PersistentVolume v : storage().volumes()) {
            PersistentVolume seen = volumeCache.get(v.getMetadata().getName(), v);
            if (PersistentVolumes.volumeClass(seen).equals(className)) {
                out.add(seen);
            }
        }
        return out;
    }

    // --- PreFilter

    /** A claim the pod uses: from a persistentVolumeClaim volume, or the one an ephemeral volume gets. */
    private record ClaimUse(String name, boolean ephemeral) {
    }

    private static List<ClaimUse> claimUses(Pod pod) {
        List<ClaimUse> uses = new ArrayList<>();
        for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                uses.add(new ClaimUse(v.getPersistentVolumeClaim().getClaimName(), false));
            } else if (v.getEphemeral() != null) {
                uses.add(new ClaimUse(pod.getMetadata().getName() + "-" + v.getName(), true));
            }
        }
        return uses;
    }

    @Override
    public Outcome<PreFilterResult> preFilter(CycleState state, PodInfo podInfo, List<NodeInfo> nodes) {
        Pod pod = podInfo.pod();
        List<ClaimUse> uses = claimUses(pod);
        if (uses.isEmpty()) {
            state.write(NAME, new State(List.of(), List.of(), Map.of()));
            return Outcome.status(Status.skip());
        }
        String namespace = pod.getMetadata().getNamespace();
        List<PersistentVolumeClaim> claims = new ArrayList<>();
        for (ClaimUse use : uses) {
            PersistentVolumeClaim claim = claim(namespace, use.name());
            if (claim == null) {
                return Outcome.status(Status.unresolvable(use.ephemeral()
                        ? "waiting for ephemeral volume controller to create the persistentvolumeclaim \"" + use.name() + "\""
                        : "persistentvolumeclaim \"" + use.name() + "\" not found"));
            }
            if (claim.getStatus() != null && "Lost".equals(claim.getStatus().getPhase())) {
                return Outcome.status(Status.unresolvable("persistentvolumeclaim \"" + use.name() + "\" bound to non-existent persistentvolume \""
                        + Objects.requireNonNullElse(claim.getSpec().getVolumeName(), "") + "\""));
            }
            if (claim.getMetadata().getDeletionTimestamp() != null) {
                return Outcome.status(Status.unresolvable("persistentvolumeclaim \"" + use.name() + "\" is being deleted"));
            }
            if (use.ephemeral() && !controlledBy(claim, pod)) {
                return Outcome.status(Status.unresolvable("PVC " + namespace + "/" + use.name() + " was not created for pod "
                        + namespace + "/" + pod.getMetadata().getName() + " (pod is not owner)"));
            }
            claims.add(claim);
        }
        List<PersistentVolumeClaim> bound = new ArrayList<>();
        List<PersistentVolumeClaim> delayed = new ArrayList<>();
        boolean unboundImmediate = false;
        for (PersistentVolumeClaim claim : claims) {
            if (fullyBound(claim)) {
                bound.add(claim);
            } else if (isEmpty(claim.getSpec().getVolumeName()) && PersistentVolumes.isDelayBindingMode(claim, storage()::storageClass)) {
                delayed.add(claim);
            } else {
                unboundImmediate = true; // a pre-bound claim (volumeName set) is the PV controller's to finish, too
            }
        }
        if (unboundImmediate) {
            return Outcome.status(Status.unresolvable(ERR_UNBOUND_IMMEDIATE));
        }
        Map<String, List<PersistentVolume>> volumesByClass = new HashMap<>();
        for (PersistentVolumeClaim claim : delayed) {
            volumesByClass.computeIfAbsent(PersistentVolumes.claimClass(claim), this::volumesOfClass);
        }
        state.write(NAME, new State(bound, delayed, volumesByClass));
        Set<String> eligible = eligibleNodes(bound);
        return Outcome.of(eligible == null ? PreFilterResult.all() : new PreFilterResult(eligible));
    }

    private static boolean controlledBy(PersistentVolumeClaim claim, Pod pod) {
        var owners = claim.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> Boolean.TRUE.equals(o.getController())
                && Objects.equals(o.getUid(), pod.getMetadata().getUid()));
    }

    /** Bound as far as the scheduler cares: it names its volume and the PV controller completed the binding (upstream's isPVCFullyBound). */
    private static boolean fullyBound(PersistentVolumeClaim claim) {
        return !isEmpty(claim.getSpec().getVolumeName()) && claim.getMetadata().getAnnotations() != null
                && claim.getMetadata().getAnnotations().containsKey(PersistentVolumes.ANN_BIND_COMPLETED);
    }

    /**
     * The nodes the bound claims' volumes name by hostname, intersected over the volumes; null when
     * a volume does not pin itself so (upstream's GetEligibleNodes, with node names taken to be
     * hostnames as there).
     */
    private Set<String> eligibleNodes(List<PersistentVolumeClaim> bound) {
        Set<String> eligible = null;
        for (PersistentVolumeClaim claim : bound) {
            PersistentVolume volume = volume(claim.getSpec().getVolumeName());
            Set<String> names = volume == null ? null : hostnames(volume);
            if (names == null) {
                continue;
            }
            if (eligible == null) {
                eligible = names;
            } else {
                eligible.retainAll(names);
            }
        }
        return eligible;
    }

    /** The hostnames a volume's required node affinity allows, or null when some term does not restrict the hostname with In. */
    private static Set<String> hostnames(PersistentVolume volume) {
        var affinity = volume.getSpec().getNodeAffinity();
        if (affinity == null || affinity.getRequired() == null || affinity.getRequired().getNodeSelectorTerms() == null) {
            return null;
        }
        Set<String> result = new TreeSet<>();
        for (NodeSelectorTerm term : affinity.getRequired().getNodeSelectorTerms()) {
            Set<String> termNodes = null;
            for (NodeSelectorRequirement r : term.getMatchExpressions() == null ? List.<NodeSelectorRequirement>of() : term.getMatchExpressions()) {
                if (HOSTNAME_LABEL.equals(r.getKey()) && "In".equals(r.getOperator())) {
                    Set<String> values = new HashSet<>(r.getValues() == null ? List.of() : r.getValues());
                    if (termNodes == null) {
                        termNodes = values;
                    } else {
                        termNodes.retainAll(values);
                    }
                }
            }
            if (termNodes == null) {
                return null;
            }
            result.addAll(termNodes);
        }
        return result;
    }

    // --- Filter

    @Override
    public Status filter(CycleState cycleState, PodInfo podInfo, NodeInfo nodeInfo) {
        State state = cycleState.read(NAME);
        if (state == null) {
            return Status.error("reading \"" + NAME + "\" from cycleState: not found");
        }
        Node node = nodeInfo.node();
        List<String> reasons = new ArrayList<>();
        boolean boundSatisfied = true;
        boolean boundVolumesFound = true;
        for (PersistentVolumeClaim claim : state.boundClaims) {
            PersistentVolume volume = volume(claim.getSpec().getVolumeName());
            if (volume == null) {
                boundVolumesFound = false;
                break;
            }
            if (!PersistentVolumes.nodeAffinityAdmits(volume, node)) {
                boundSatisfied = false;
                break;
            }
        }
        PodVolumes podVolumes = new PodVolumes();
        boolean unboundSatisfied = true;
        if (!state.claimsToBind.isEmpty()) {
            unboundSatisfied = findUnbound(state, node, podVolumes);
        }
        if (!boundSatisfied) {
            reasons.add(ERR_REASON_NODE_CONFLICT);
        }
        if (!unboundSatisfied) {
            reasons.add(ERR_REASON_BIND_CONFLICT);
        }
        if (!boundVolumesFound) {
            reasons.add(ERR_REASON_PV_NOT_EXIST);
        }
        if (!reasons.isEmpty()) {
            return Status.unresolvable(reasons.toArray(String[]::new));
        }
        state.byNode.put(node.getMetadata().getName(), podVolumes);
        return Status.success();
    }

    /** Matches the unbound claims on the node (upstream's FindPodVolumes for claimsToBind); false when one cannot be served there. */
    private boolean findUnbound(State state, Node node, PodVolumes podVolumes) {
        String nodeName = node.getMetadata().getName();
        List<PersistentVolumeClaim> toMatch = new ArrayList<>();
        List<PersistentVolumeClaim> toProvision = new ArrayList<>();
        for (PersistentVolumeClaim claim : state.claimsToBind) {
            String selected = claim.getMetadata().getAnnotations() == null ? null
                    : claim.getMetadata().getAnnotations().get(PersistentVolumes.ANN_SELECTED_NODE);
            if (selected != null) {
                if (!selected.equals(nodeName)) {
                    return false; // being provisioned for another node
                }
                toProvision.add(claim);
            } else {
                toMatch.add(claim);
            }
        }
        // the smallest requests first, so each gets the smallest volume that fits
        toMatch.sort(Comparator.comparing(c -> Quantities.value(PersistentVolumes.requestedStorage(c))));
        Set<String> chosen = new HashSet<>();
        List<Binding> bindings = new ArrayList<>();
        boolean satisfied = true;
        for (PersistentVolumeClaim claim : toMatch) {
            List<PersistentVolume> candidates = state.volumesByClass.getOrDefault(PersistentVolumes.claimClass(claim), List.of());
            PersistentVolume volume = PersistentVolumes.findMatchingVolume(claim, candidates, node, chosen, true);
            if (volume == null) {
                toProvision.add(claim);
                satisfied = false;
                continue;
            }
            chosen.add(volume.getMetadata().getName());
            bindings.add(new Binding(volume, claim));
        }
        podVolumes.staticBindings = bindings;
        if (toProvision.isEmpty()) {
            return satisfied;
        }
        // claims without a volume here may be provisioned for the node, when their class has a provisioner that can reach it
        for (PersistentVolumeClaim claim : toProvision) {
            StorageClass sc = storage().storageClass(PersistentVolumes.claimClass(claim));
            if (sc == null || isEmpty(sc.getProvisioner()) || PersistentVolumes.NOT_SUPPORTED_PROVISIONER.equals(sc.getProvisioner())
                    || !allowedTopologiesAdmit(sc, node)) {
                return false;
            }
        }
        podVolumes.dynamicProvisions = toProvision;
        return true;
    }

    /** Whether the class's allowedTopologies admit the node; none admits every node (upstream's MatchTopologySelectorTerms). */
    private static boolean allowedTopologiesAdmit(StorageClass sc, Node node) {
        var terms = sc.getAllowedTopologies();
        if (terms == null || terms.isEmpty()) {
            return true;
        }
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        for (var term : terms) {
            boolean all = true;
            for (var expr : term.getMatchLabelExpressions() == null ? List.<TopologySelectorLabelRequirement>of()
                    : term.getMatchLabelExpressions()) {
                if (!labels.containsKey(expr.getKey()) || expr.getValues() == null || !expr.getValues().contains(labels.get(expr.getKey()))) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    // --- Reserve

    @Override
    public Status reserve(CycleState cycleState, PodInfo podInfo, String nodeName) {
        State state = cycleState.read(NAME);
        PodVolumes podVolumes = state == null ? null : state.byNode.get(nodeName);
        if (podVolumes == null || podVolumes.staticBindings.isEmpty() && podVolumes.dynamicProvisions.isEmpty()) {
            if (state != null) {
                state.allBound = true;
            }
            return Status.success();
        }
        List<Binding> assumed = new ArrayList<>();
        for (Binding b : podVolumes.staticBindings) {
            PersistentVolume bound = PersistentVolumes.bindVolumeToClaim(b.volume(), b.claim());
            if (bound == null) {
                bound = b.volume(); // already pre-bound to the claim: nothing to write but the wait
            } else {
                volumeCache.assume(b.volume().getMetadata().getName(), b.volume(), bound);
            }
            assumed.add(new Binding(bound, b.claim()));
        }
        List<PersistentVolumeClaim> provisions = new ArrayList<>();
        for (PersistentVolumeClaim claim : podVolumes.dynamicProvisions) {
            PersistentVolumeClaim annotated = new PersistentVolumeClaimBuilder(claim).editMetadata()
                    .addToAnnotations(PersistentVolumes.ANN_SELECTED_NODE, nodeName).endMetadata().build();
            claimCache.assume(claimKey(claim), claim, annotated);
            provisions.add(annotated);
        }
        podVolumes.staticBindings = assumed;
        podVolumes.dynamicProvisions = provisions;
        state.allBound = false;
        return Status.success();
    }

    @Override
    public void unreserve(CycleState cycleState, PodInfo podInfo, String nodeName) {
        State state = cycleState.read(NAME);
        PodVolumes podVolumes = state == null ? null : state.byNode.get(nodeName);
        if (podVolumes == null) {
            return;
        }
        for (Binding b : podVolumes.staticBindings) {
            volumeCache.restore(b.volume().getMetadata().getName());
        }
        for (PersistentVolumeClaim claim : podVolumes.dynamicProvisions) {
            claimCache.restore(claimKey(claim));
        }
    }

    // --- PreBind

    @Override
    public Status preBind(CycleState cycleState, PodInfo podInfo, String nodeName) {
        State state = cycleState.read(NAME);
        if (state == null || state.allBound) {
            return Status.success();
        }
        PodVolumes podVolumes = state.byNode.get(nodeName);
        if (podVolumes == null) {
            return Status.error("no pod volumes found for node \"" + nodeName + "\"");
        }
        List<PersistentVolume> written = new ArrayList<>();
        List<PersistentVolumeClaim> writtenClaims = new ArrayList<>();
        try {
            for (Binding b : podVolumes.staticBindings) {
                LOG.info("claim {} bound to volume {} pod={} node={}", claimKey(b.claim()), b.volume().getMetadata().getName(),
                        podInfo.key(), nodeName);
                written.add(storage().updateVolume(b.volume()));
            }
            for (PersistentVolumeClaim claim : podVolumes.dynamicProvisions) {
                writtenClaims.add(storage().updateClaim(claim));
            }
        } catch (RuntimeException e) {
            return Status.error(e.getMessage());
        }
        long deadline = System.nanoTime() + bindTimeout.toNanos();
        try {
            while (true) {
                String failure = checkBindings(podVolumes, written, writtenClaims, nodeName);
                if (failure == null) {
                    return Status.success();
                }
                if (!failure.isEmpty()) {
                    return Status.error("binding volumes: " + failure);
                }
                if (System.nanoTime() >= deadline) {
                    return Status.error("binding volumes: context deadline exceeded");
                }
                Thread.sleep(POLL_INTERVAL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Status.error("binding volumes: interrupted");
        }
    }

    /**
     * Whether the PV controller finished (null), must be waited for (""), or undid or failed what
     * was written (the reason), as upstream's checkBindings; read from the informers, which must
     * have caught up with the writes first.
     */
    private String checkBindings(PodVolumes podVolumes, List<PersistentVolume> written, List<PersistentVolumeClaim> writtenClaims, String nodeName) {
        for (int i = 0; i < podVolumes.staticBindings.size(); i++) {
            PersistentVolume sent = written.get(i);
            PersistentVolumeClaim claimSent = podVolumes.staticBindings.get(i).claim();
            PersistentVolume volume = storage().volume(sent.getMetadata().getName());
            PersistentVolumeClaim claim = storage().claim(claimSent.getMetadata().getNamespace(), claimSent.getMetadata().getName());
            if (volume == null) {
                return "failed to check binding: persistentvolume \"" + sent.getMetadata().getName() + "\" not found";
            }
            if (claim == null) {
                return "failed to check binding: persistentvolumeclaim \"" + claimKey(claimSent) + "\" not found";
            }
            if (olderThan(volume, sent)) {
                return "";
            }
            var ref = volume.getSpec().getClaimRef();
            if (ref == null || isEmpty(ref.getUid())) {
                return "ClaimRef got reset for pv \"" + volume.getMetadata().getName() + "\"";
            }
            if (!fullyBound(claim)) {
                return "";
            }
        }
        for (PersistentVolumeClaim sent : writtenClaims) {
            PersistentVolumeClaim claim = storage().claim(sent.getMetadata().getNamespace(), sent.getMetadata().getName());
            if (claim == null) {
                return "failed to check provisioning pvc: persistentvolumeclaim \"" + claimKey(sent) + "\" not found";
            }
            if (olderThan(claim, sent)) {
                return "";
            }
            String selected = claim.getMetadata().getAnnotations() == null ? null
                    : claim.getMetadata().getAnnotations().get(PersistentVolumes.ANN_SELECTED_NODE);
            if (!nodeName.equals(selected)) {
                return "provisioning failed for PVC \"" + claim.getMetadata().getName() + "\"";
            }
            if (!fullyBound(claim)) {
                return "";
            }
        }
        return null;
    }

    /** Whether the informer's copy predates the version this plugin wrote. */
    private static boolean olderThan(HasMetadata seen, HasMetadata sent) {
        try {
            return Long.parseLong(seen.getMetadata().getResourceVersion()) < Long.parseLong(sent.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
    }

    // --- events

    @Override
    public List<ClusterEventWithHint> eventsToRegister() {
        return List.of(
                // a class created (or its allowed topologies changed) may let a claim bind or provision
                new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.STORAGE_CLASS, ActionType.ADD, ActionType.UPDATE),
                        (pod, oldObj, newObj) -> oldObj == null
                                || !Objects.equals(((StorageClass) oldObj).getAllowedTopologies(), ((StorageClass) newObj).getAllowedTopologies())),
                // a claim of the pod created or changed (bound, annotated, ...)
                new ClusterEventWithHint(ClusterEvent.of(ClusterEvent.Resource.PERSISTENT_VOLUME_CLAIM, ActionType.ADD, ActionType.UPDATE),
                        (pod, oldObj, newObj) -> usesClaim(pod, (PersistentVolumeClaim) newObj)),
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.PERSISTENT_VOLUME, ActionType.ADD, ActionType.UPDATE)),
                // a node's labels may now match a volume's node affinity or a class's topology
                ClusterEventWithHint.always(ClusterEvent.of(ClusterEvent.Resource.NODE, ActionType.ADD, ActionType.UPDATE_NODE_LABEL)));
    }

    private static boolean usesClaim(Pod pod, PersistentVolumeClaim claim) {
        if (!Objects.equals(pod.getMetadata().getNamespace(), claim.getMetadata().getNamespace())) {
            return false;
        }
        return claimUses(pod).stream().anyMatch(u -> u.name().equals(claim.getMetadata().getName()));
    }

    private static String claimKey(PersistentVolumeClaim claim) {
        return claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
