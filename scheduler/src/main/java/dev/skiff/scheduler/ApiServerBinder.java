package dev.skiff.scheduler;

import dev.skiff.client.record.EventRecorder;
import dev.skiff.scheduler.framework.plugins.defaultbinder.Binder;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Binds through the API server's {@code pods/<name>/binding} subresource, as upstream's DefaultBinder
 * (client-go's {@code Pods(ns).Bind}), and records the {@code Scheduled} event once accepted.
 */
public final class ApiServerBinder implements Binder {
    private final KubernetesClient client;
    private final EventRecorder events;

    public ApiServerBinder(KubernetesClient client, EventRecorder events) {
        this.client = client;
        this.events = events;
    }

    @Override
    public void bind(Pod pod, String nodeName) throws Exception {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Binding binding = new BindingBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withUid(pod.getMetadata().getUid()).endMetadata()
                .withNewTarget().withKind("Node").withName(nodeName).endTarget()
                .build();
        String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + encode(namespace)
                + "/pods/" + encode(name) + "/binding";
        var request = client.getHttpClient().newHttpRequestBuilder().uri(url)
                .post("application/json", Serialization.asJson(binding).getBytes(StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class).get();
        if (response.code() != 201 && response.code() != 200) {
            throw new KubernetesClientException("binding " + namespace + "/" + name + " to " + nodeName + ": HTTP "
                    + response.code() + " " + response.body());
        }
        events.eventf(pod, EventRecorder.NORMAL, "Scheduled", "Successfully assigned %s/%s to %s", namespace, name, nodeName);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
