package dev.skiff.controller.history;

import dev.skiff.api.selector.LabelSelector;
import dev.skiff.controller.ComputeHash;
import dev.skiff.controller.ControllerRefManager;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Upstream's pkg/controller/history: the ControllerRevisions that record a StatefulSet's or a
 * DaemonSet's past pod templates. A revision is named {@code <parent>-<hash>}, labelled with the
 * template's labels and {@code controller.kubernetes.io/hash}, controlled by its parent, and holds as
 * data the patch that restores the template ({@code {"spec":{"template":{..., "$patch":"replace"}}}},
 * which is what {@code kubectl rollout undo} applies). Revision numbers grow by one per change; going
 * back to an earlier template bumps that revision's number instead of creating a copy.
 */
public final class ControllerHistory {
    public static final String HASH_LABEL = "controller.kubernetes.io/hash";

    private final KubernetesClient client;
    private final SharedIndexInformer<ControllerRevision> informer;

    public ControllerHistory(KubernetesClient client, SharedIndexInformer<ControllerRevision> informer) {
        this.client = client;
        this.informer = informer;
    }

    /** What {@link #updateRevision} settled on, and the collision count to record in the parent's status. */
    public record Update(ControllerRevision revision, int collisionCount) {
    }

    /** The parent's revisions, adopting matching orphans (upstream's ListControllerRevisions + AdoptControllerRevision), oldest first. */
    public List<ControllerRevision> list(HasMetadata parent, LabelSelector selector) {
        List<ControllerRevision> owned = new ControllerRefManager<ControllerRevision>(client, parent, selector)
                .claim(informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, parent.getMetadata().getNamespace()));
        List<ControllerRevision> sorted = new ArrayList<>(owned);
        sorted.sort(BY_REVISION);
        return sorted;
    }

    /** Upstream's SortControllerRevisions order: revision number, then creation time, then name. */
    public static final Comparator<ControllerRevision> BY_REVISION = Comparator.comparingLong(ControllerHistory::revision)
            .thenComparing(r -> r.getMetadata().getCreationTimestamp() == null ? "" : r.getMetadata().getCreationTimestamp())
            .thenComparing(r -> r.getMetadata().getName());

    /**
     * The revision for {@code template} (upstream's getStatefulSetRevisions / constructHistory): the
     * newest revision when it already holds the template; an older equal revision renumbered to be
     * the newest (a rollback); else a new revision. {@code sorted} is {@link #list}'s result.
     */
    public Update updateRevision(HasMetadata parent, PodTemplateSpec template, List<ControllerRevision> sorted, int collisionCount) {
        Map<String, Object> data = patchData(template);
        long next = sorted.isEmpty() ? 1 : revision(sorted.getLast()) + 1;
        String wanted = ComputeHash.canonicalJson(data);
        ControllerRevision equal = null;
        for (ControllerRevision r : sorted) {
            if (wanted.equals(ComputeHash.canonicalJson(r.getData()))) {
                equal = r; // the newest equal one wins
            }
        }
        if (equal != null && equal == sorted.getLast()) {
            return new Update(equal, collisionCount);
        }
        if (equal != null) {
            ControllerRevision bumped = client.resource(equal).edit(r -> new ControllerRevisionBuilder(r).withRevision(next).build());
            return new Update(bumped, collisionCount);
        }
        return create(parent, template, data, next, collisionCount);
    }

    /** Creates the revision; on a name taken by different data, counts a collision and tries the next name (upstream's CreateControllerRevision). */
    private Update create(HasMetadata parent, PodTemplateSpec template, Map<String, Object> data, long revision, int collisionCount) {
        while (true) {
            String hash = ComputeHash.of(data, collisionCount == 0 ? null : collisionCount);
            Map<String, String> labels = new HashMap<>();
            if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            labels.put(HASH_LABEL, hash);
            ControllerRevision fresh = new ControllerRevisionBuilder().withNewMetadata().withName(revisionName(parent.getMetadata().getName(), hash))
                    .withNamespace(parent.getMetadata().getNamespace()).withLabels(labels)
                    .withOwnerReferences(ControllerRefManager.newControllerRef(parent)).endMetadata()
                    .withData(data).withRevision(revision).build();
            try {
                return new Update(client.resource(fresh).create(), collisionCount);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                ControllerRevision existing = client.resource(fresh).get();
                if (existing != null && ComputeHash.canonicalJson(data).equals(ComputeHash.canonicalJson(existing.getData()))) {
                    return new Update(existing, collisionCount);
                }
                collisionCount++;
            }
        }
    }

    /** Deletes the oldest revisions that are not {@code live} until at most {@code limit} of those remain (upstream's truncateHistory / cleanupHistory). */
    public void truncate(List<ControllerRevision> sorted, Predicate<ControllerRevision> live, int limit) {
        List<ControllerRevision> old = sorted.stream().filter(live.negate()).toList();
        for (int i = 0; i < old.size() - Math.max(limit, 0); i++) {
            try {
                client.resource(old.get(i)).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
    }

    /** The pod template a revision restores. */
    @SuppressWarnings("unchecked")
    public static PodTemplateSpec template(ControllerRevision revision) {
        Map<String, Object> data = Serialization.jsonMapper().convertValue(revision.getData(), Map.class);
        Map<String, Object> spec = (Map<String, Object>) data.get("spec");
        Map<String, Object> template = new LinkedHashMap<>((Map<String, Object>) spec.get("template"));
        template.remove("$patch");
        return Serialization.jsonMapper().convertValue(template, PodTemplateSpec.class);
    }

    /** The strategic merge patch that puts {@code template} back in place: {@code {"spec":{"template":{..., "$patch":"replace"}}}}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> patchData(PodTemplateSpec template) {
        Map<String, Object> t = new LinkedHashMap<>(Serialization.jsonMapper().convertValue(template, Map.class));
        t.put("$patch", "replace");
        return Map.of("spec", Map.of("template", t));
    }

    /** Upstream's ControllerRevisionName: the parent's name (cut to 223 characters) and the hash. */
    static String revisionName(String parent, String hash) {
        return (parent.length() > 223 ? parent.substring(0, 223) : parent) + "-" + hash;
    }

    public static long revision(ControllerRevision r) {
        return r.getRevision() == null ? 0 : r.getRevision();
    }
}
