package dev.skiff.agent.kubelet.token;

import io.fabric8.kubernetes.api.model.authentication.BoundObjectReference;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.InstantSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The service-account tokens of this node's pods (upstream's pkg/kubelet/token): fetched through the
 * TokenRequest API (serviceaccounts/NAME/token) and cached per service account, audiences, lifetime
 * and bound object, so a projected volume's periodic set-up reuses a token until it needs renewing -
 * past 80% of its lifetime or 24 hours after it was issued, less a jitter of up to 10 s. A token that
 * cannot be renewed is kept while it is still valid; a pod's tokens are dropped with the pod.
 */
public final class TokenManager {
    static final Duration MAX_TTL = Duration.ofHours(24);
    static final Duration MAX_JITTER = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final InstantSource clock;
    private final Map<Key, TokenRequest> cache = new ConcurrentHashMap<>();

    private record Key(String namespace, String serviceAccount, List<String> audiences, Long expirationSeconds, String boundKind,
                       String boundName, String boundUid) {
    }

    public TokenManager(KubernetesClient client, InstantSource clock) {
        this.client = client;
        this.clock = clock;
    }

    /**
     * A token for {@code serviceAccount} per {@code request} (its spec: audiences, expirationSeconds, boundObjectRef),
     * from the cache while it is fresh enough.
     */
    public TokenRequest serviceAccountToken(String namespace, String serviceAccount, TokenRequest request) throws IOException {
        var spec = request.getSpec();
        BoundObjectReference bound = spec.getBoundObjectRef();
        var key = new Key(namespace, serviceAccount, spec.getAudiences() == null ? List.of() : List.copyOf(spec.getAudiences()),
                spec.getExpirationSeconds(), bound == null ? null : bound.getKind(), bound == null ? null : bound.getName(),
                bound == null ? null : bound.getUid());
        dropExpired();
        TokenRequest cached = cache.get(key);
        if (cached != null && !requiresRefresh(cached)) {
            return cached;
        }
        TokenRequest fresh;
        try {
            fresh = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                    .tokenRequest(new TokenRequestBuilder().withSpec(spec).build());
        } catch (KubernetesClientException e) {
            if (cached != null && !expired(cached)) {
                return cached; // renewing failed: the token still works for a while
            }
            String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            throw new IOException("failed to fetch token: " + message, e);
        }
        if (fresh == null || fresh.getStatus() == null || fresh.getStatus().getToken() == null
                || fresh.getStatus().getExpirationTimestamp() == null) {
            throw new IOException("failed to fetch token: the server answered no token");
        }
        cache.put(key, fresh);
        return fresh;
    }

    /** Forgets the tokens bound to a pod that is gone (upstream's DeleteServiceAccountToken). */
    public void deleteServiceAccountToken(String podUid) {
        cache.keySet().removeIf(k -> "Pod".equals(k.boundKind()) && Objects.equals(podUid, k.boundUid()));
    }

    int cached() {
        return cache.size();
    }

    /** Upstream's requiresRefresh: older than 24 h, or within 20% of its lifetime of expiring, each less a jitter. */
    boolean requiresRefresh(TokenRequest token) {
        Long seconds = token.getSpec().getExpirationSeconds();
        if (seconds == null) {
            return false;
        }
        Instant now = clock.instant();
        Instant expiry = Instant.parse(token.getStatus().getExpirationTimestamp());
        Instant issued = expiry.minusSeconds(seconds);
        Duration jitter = Duration.ofSeconds((long) (ThreadLocalRandom.current().nextDouble() * MAX_JITTER.toSeconds()));
        if (now.isAfter(issued.plus(MAX_TTL).minus(jitter))) {
            return true;
        }
        return now.isAfter(expiry.minusSeconds(seconds * 20 / 100).minus(jitter));
    }

    private boolean expired(TokenRequest token) {
        return !clock.instant().isBefore(Instant.parse(token.getStatus().getExpirationTimestamp()));
    }

    private void dropExpired() {
        cache.values().removeIf(this::expired);
    }
}
