package dev.skiff.apiserver.registry.core.serviceaccount;

import dev.skiff.api.errors.ApiException;
import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.apiserver.handlers.SubresourceCreate;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens;
import dev.skiff.apiserver.serviceaccount.ServiceAccountTokens.Binding;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.BoundObjectReference;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestSpec;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * serviceaccounts/token (upstream's pkg/registry/core/serviceaccount/storage TokenREST): answers a
 * TokenRequest with a signed token for the service account, for the requested audiences (the API
 * server's by default) and lifetime (3600 s by default, at least 10 minutes), optionally bound to a
 * pod, secret or node that must exist (and have the given uid). A lifetime past
 * --service-account-max-token-expiration is shortened to it, with a warning; a pod-bound token for
 * the API server's audiences asking for 3607 s - what the ServiceAccount admission puts in pods - is
 * extended to a year with a warnafter claim, as kube-apiserver's --service-account-extend-token-expiration
 * ({@link TokenExpiration}).
 */
public final class TokenRest {
    static final String KIND = "TokenRequest";
    static final String GROUP = "authentication.k8s.io";
    static final long DEFAULT_EXPIRATION_SECONDS = 3600;
    static final long MIN_EXPIRATION_SECONDS = 10 * 60;
    static final long MAX_EXPIRATION_SECONDS = 1L << 32;
    /** The lifetime the ServiceAccount admission asks for, which marks a token eligible for the extension. */
    public static final long WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;

    private final ServiceAccountTokens tokens;
    private final TokenExpiration expiration;
    private final Clock clock;

    public TokenRest(ServiceAccountTokens tokens, TokenExpiration expiration, Clock clock) {
        this.tokens = tokens;
        this.expiration = expiration;
        this.clock = clock;
    }

    public SubresourceCreate.Answer create(String namespace, String name, TokenRequest request, boolean dryRun) {
        ObjectMeta meta = request.getMetadata() == null ? new ObjectMeta() : request.getMetadata();
        if (meta.getName() != null && !meta.getName().isEmpty() && !meta.getName().equals(name)) {
            throw ApiException.invalid(GROUP, KIND, name,
                    List.of(Cause.invalid("metadata.name", meta.getName(), "must match the service account name if specified")));
        }
        if (meta.getNamespace() != null && !meta.getNamespace().isEmpty() && !meta.getNamespace().equals(namespace)) {
            throw ApiException.invalid(GROUP, KIND, name,
                    List.of(Cause.invalid("metadata.namespace", meta.getNamespace(), "must match the service account namespace if specified")));
        }
        ServiceAccount serviceAccount = tokens.objects().serviceAccounts().get(namespace, name);
        TokenRequestSpec spec = request.getSpec() == null ? new TokenRequestSpec() : request.getSpec();
        if (spec.getAudiences() == null || spec.getAudiences().isEmpty()) {
            spec.setAudiences(new ArrayList<>(tokens.apiAudiences()));
        }
        if (spec.getExpirationSeconds() == null) {
            spec.setExpirationSeconds(DEFAULT_EXPIRATION_SECONDS);
        }
        meta.setName(name);
        meta.setNamespace(namespace);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        meta.setCreationTimestamp(DateTimeFormatter.ISO_INSTANT.format(now));
        request.setMetadata(meta);
        request.setSpec(spec);
        request.setStatus(null);
        validate(spec);

        Binding binding = binding(namespace, name, spec.getBoundObjectRef());
        var warnings = new ArrayList<String>();
        if (expiration.maxSeconds() > 0 && spec.getExpirationSeconds() > expiration.maxSeconds()) {
            warnings.add("requested expiration of " + spec.getExpirationSeconds() + " seconds shortened to "
                    + expiration.maxSeconds() + " seconds");
            spec.setExpirationSeconds(expiration.maxSeconds());
        }
        long lifetime = spec.getExpirationSeconds();
        long warnAfter = 0;
        if (expiration.extend() && binding.pod() != null && lifetime == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
                && tokens.apiAudiences().containsAll(spec.getAudiences())) {
            warnAfter = lifetime;
            lifetime = TokenExpiration.EXTENDED_SECONDS;
        }
        String token = tokens.issue(serviceAccount, binding, spec.getAudiences(), lifetime, warnAfter, now);
        var status = new TokenRequestStatus();
        status.setToken(token);
        status.setExpirationTimestamp(DateTimeFormatter.ISO_INSTANT.format(now.plusSeconds(spec.getExpirationSeconds())));
        request.setStatus(status);
        request.setKind(KIND);
        return new SubresourceCreate.Answer(request, warnings);
    }

    /** Upstream's ValidateTokenRequest; the error names no object, as upstream's. */
    private static void validate(TokenRequestSpec spec) {
        long seconds = spec.getExpirationSeconds();
        var causes = new ArrayList<Cause>();
        if (seconds < MIN_EXPIRATION_SECONDS) {
            causes.add(Cause.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        }
        if (seconds > MAX_EXPIRATION_SECONDS) {
            causes.add(Cause.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid(GROUP, KIND, "", causes);
        }
    }

    /** The object the token is bound to: a Pod (with its node when that exists), a Secret or a Node of the core group. */
    private Binding binding(String namespace, String serviceAccount, BoundObjectReference ref) {
        if (ref == null) {
            return Binding.NONE;
        }
        String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String kind = ref.getKind() == null ? "" : ref.getKind();
        var objects = tokens.objects();
        Binding binding;
        String uid;
        if (group.isEmpty() && kind.equals("Pod")) {
            Pod pod = objects.pods().get(namespace, ref.getName());
            String podServiceAccount = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
            if (!serviceAccount.equals(podServiceAccount)) {
                throw ApiException.badRequest("cannot bind token for serviceaccount \"" + serviceAccount
                        + "\" to pod running with different serviceaccount name.");
            }
            String nodeName = pod.getSpec().getNodeName();
            Node node = nodeName == null || nodeName.isEmpty() ? null : objects.nodes().find(null, nodeName).orElse(null);
            binding = new Binding(pod, node, null);
            uid = pod.getMetadata().getUid();
        } else if (group.isEmpty() && kind.equals("Secret")) {
            Secret secret = objects.secrets().get(namespace, ref.getName());
            binding = new Binding(null, null, secret);
            uid = secret.getMetadata().getUid();
        } else if (group.isEmpty() && kind.equals("Node")) {
            Node node = objects.nodes().get(null, ref.getName());
            binding = new Binding(null, node, null);
            uid = node.getMetadata().getUid();
        } else {
            throw ApiException.badRequest("cannot bind token to object of type " + groupVersionKind(apiVersion, kind));
        }
        if (ref.getUid() != null && !ref.getUid().isEmpty() && !ref.getUid().equals(uid)) {
            throw ApiException.conflict(group, kind, ref.getName(), "the UID in the bound object reference (" + ref.getUid()
                    + ") does not match the UID in record. The object might have been deleted and then recreated");
        }
        return binding;
    }

    /** Go's schema.GroupVersionKind.String(): "group/version, Kind=kind" ("/v1, Kind=ConfigMap" for core). */
    private static String groupVersionKind(String apiVersion, String kind) {
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
        return group + "/" + version + ", Kind=" + kind;
    }
}
