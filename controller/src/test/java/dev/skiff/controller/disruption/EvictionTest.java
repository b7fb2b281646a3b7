package dev.skiff.controller.disruption;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.controller.ControlPlaneTest;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pods/eviction honouring PodDisruptionBudgets, through the real API server with the fabric8 client
 * (its evict() is false on 429) and raw requests where the Status matters. No disruption controller
 * runs: each budget's status is written as the controller would have, so the eviction's own rules
 * are what is tested.
 */
class EvictionTest extends ControlPlaneTest {
    private static final String VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";
    private KubernetesClient evictor;

    @BeforeEach
    void evictor() {
        evictor = withoutRetries(client);
    }

    @AfterEach
    void closeEvictor() {
        evictor.close();
    }

    /**
     * A client like {@code client} that takes a 429 or 500 as it comes: fabric8 retries those with
     * back-off by default (some 20 s), which would only slow these tests down.
     */
    static KubernetesClient withoutRetries(KubernetesClient client) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
                .build();
    }

    @Test
    void spendsTheBudgetRecordsThePodAndMarksItDisruptionTargetBeforeDeleting() {
        runningPod("held", Map.of("app", "web"), true, "skiff.dev/test-hold");
        budget("web", selector("app", "web"), null);
        status("web", 1, 2, 1);

        assertThat(evictor.pods().inNamespace("default").withName("held").evict()).isTrue();

        Pod held = client.pods().inNamespace("default").withName("held").get();
        assertThat(held.getMetadata().getDeletionTimestamp()).as("deleted (kept by its finalizer)").isNotNull();
        PodCondition target = condition(held, "DisruptionTarget");
        assertThat(List.of(target.getStatus(), target.getReason(), target.getMessage()))
                .containsExactly("True", "EvictionByEvictionAPI", "Eviction API: evicting");
        var s = pdb("web").getStatus();
        assertThat(s.getDisruptionsAllowed()).isZero();
        assertThat(s.getDisruptedPods()).containsOnlyKeys("held");
        assertThat(s.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("InsufficientPods");
        });

        // a pod already being deleted is evicted again without asking the (spent) budget
        assertThat(evictor.pods().inNamespace("default").withName("held").evict()).isTrue();
        assertThat(pdb("web").getStatus().getDisruptionsAllowed()).isZero();
        release("held");
    }

    @Test
    void refusesWithTooManyRequestsWhenTheBudgetAllowsNoDisruption() throws Exception {
        runningPod("web-1", Map.of("app", "web"), true, null);
        budget("web", selector("app", "web"), null);
        status("web", 0, 1, 1);

        assertThat(evictor.pods().inNamespace("default").withName("web-1").evict()).isFalse();

        Response r = evict("web-1", "");
        assertThat(r.code()).isEqualTo(429);
        assertThat(r.retryAfter()).as("no delay suggested").isNull();
        assertThat(r.body().get("reason").asText()).isEqualTo("TooManyRequests");
        assertThat(r.body().get("message").asText()).isEqualTo(VIOLATES);
        JsonNode cause = r.body().at("/details/causes/0");
        assertThat(cause.get("reason").asText()).isEqualTo("DisruptionBudget");
        assertThat(cause.get("message").asText()).isEqualTo("The disruption budget web needs 1 healthy pods and has 1 currently");
        Pod pod = client.pods().inNamespace("default").withName("web-1").get();
        assertThat(pod.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(condition(pod, "DisruptionTarget")).isNull();
    }

    @Test
    void refusesWhileTheBudgetsStatusIsNotYetObserved() throws Exception {
        runningPod("web-1", Map.of("app", "web"), true, null);
        budget("web", selector("app", "web"), null);

        Response r = evict("web-1", "");
        assertThat(r.code()).isEqualTo(429);
        assertThat(r.retryAfter()).isEqualTo("10");
        assertThat(r.body().at("/details/retryAfterSeconds").asInt()).isEqualTo(10);
        assertThat(r.body().at("/details/causes/0/message").asText()).isEqualTo("The disruption budget web is still being processed by the server.");
        assertThat(client.pods().inNamespace("default").withName("web-1").get()).isNotNull();
    }

    @Test
    void podsNotRunningSkipTheBudget() {
        client.resource(new PodBuilder().withNewMetadata().withName("pending").withNamespace("default").addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
        Pod done = runningPod("done", Map.of("app", "web"), false, null);
        client.resource(new PodBuilder(done).editStatus().withPhase("Succeeded").endStatus().build()).updateStatus();
        budget("web", selector("app", "web"), null);
        status("web", 0, 0, 2);

        assertThat(evictor.pods().inNamespace("default").withName("pending").evict()).isTrue();
        assertThat(evictor.pods().inNamespace("default").withName("done").evict()).isTrue();
        assertThat(client.pods().inNamespace("default").list().getItems()).isEmpty();
        assertThat(pdb("web").getStatus().getDisruptedPods()).isNullOrEmpty();
    }

    @Test
    void unreadyPodsFollowTheUnhealthyPodEvictionPolicy() {
        // IfHealthyBudget (the default): an unready pod may go while the budget is met, without spending it
        runningPod("u1", Map.of("app", "web"), false, null);
        runningPod("u2", Map.of("app", "web"), false, null);
        budget("web", selector("app", "web"), null);
        status("web", 0, 1, 1);
        assertThat(evictor.pods().inNamespace("default").withName("u1").evict()).isTrue();
        assertThat(client.pods().inNamespace("default").withName("u1").get()).isNull();
        assertThat(pdb("web").getStatus().getDisruptedPods()).as("nothing spent").isNullOrEmpty();
        // ... and not while it is not met
        status("web", 0, 0, 1);
        assertThat(evictor.pods().inNamespace("default").withName("u2").evict()).isFalse();
        assertThat(client.pods().inNamespace("default").withName("u2").get()).isNotNull();

        // AlwaysAllow: an unready pod may always go
        runningPod("a1", Map.of("app", "api"), false, null);
        budget("api", selector("app", "api"), "AlwaysAllow");
        status("api", 0, 0, 1);
        assertThat(evictor.pods().inNamespace("default").withName("a1").evict()).isTrue();
        assertThat(client.pods().inNamespace("default").withName("a1").get()).isNull();
    }

    @Test
    void aPodUnderTwoBudgetsCannotBeEvictedAndAnEmptySelectorCoversTheNamespace() throws Exception {
        runningPod("web-1", Map.of("app", "web"), true, null);
        budget("web", selector("app", "web"), null);
        status("web", 1, 2, 1);
        budget("everything", new LabelSelector(), null);
        status("everything", 1, 2, 1);

        Response r = evict("web-1", "");
        assertThat(r.code()).isEqualTo(500);
        assertThat(r.body().get("message").asText())
                .isEqualTo("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        assertThat(client.pods().inNamespace("default").withName("web-1").get()).isNotNull();
    }

    @Test
    void dryRunChecksTheBudgetButWritesNothing() throws Exception {
        runningPod("web-1", Map.of("app", "web"), true, null);
        budget("web", selector("app", "web"), null);
        status("web", 1, 2, 1);
        String before = pdb("web").getMetadata().getResourceVersion();

        assertThat(evict("web-1", "?dryRun=All").code()).isEqualTo(201);
        Pod pod = client.pods().inNamespace("default").withName("web-1").get();
        assertThat(pod.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(condition(pod, "DisruptionTarget")).isNull();
        assertThat(pdb("web").getMetadata().getResourceVersion()).isEqualTo(before);

        status("web", 0, 1, 1);
        assertThat(evict("web-1", "?dryRun=All").code()).as("a dry run is refused as the real one would be").isEqualTo(429);
    }

    /**
     * Evictions racing for the last disruption: one wins, the others are refused, and the budget
     * records only the pod that went. (Whether a race is hit is up to timing; EvictionRestTest
     * shows deterministically that an eviction leaves the watch cache's budget as it was.)
     */
    @Test
    void concurrentEvictionsSpendTheLastDisruptionOnceAndRecordOnlyThePodThatWent() throws Exception {
        int racers = 8;
        for (int round = 0; round < 5; round++) {
            String app = "race-" + round;
            List<String> names = java.util.stream.IntStream.range(0, racers).mapToObj(i -> app + "-" + i).toList();
            for (String name : names) {
                runningPod(name, Map.of("app", app), true, null);
            }
            budget(app, selector("app", app), null);
            status(app, 1, racers, racers - 1);
            var start = new java.util.concurrent.CountDownLatch(1);
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(racers)) {
                List<java.util.concurrent.Future<Response>> answers = new java.util.ArrayList<>();
                for (String name : names) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return evict(name, "");
                    }));
                }
                start.countDown();
                List<String> evicted = new java.util.ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    int code = answers.get(i).get().code();
                    assertThat(code).as("eviction of %s", names.get(i)).isIn(201, 429);
                    if (code == 201) {
                        evicted.add(names.get(i));
                    }
                }
                assertThat(evicted).as("round %d", round).hasSize(1);
                var s = pdb(app).getStatus();
                assertThat(s.getDisruptionsAllowed()).isZero();
                assertThat(s.getDisruptedPods()).as("round %d", round).containsOnlyKeys(evicted.getFirst());
                assertThat(client.pods().inNamespace("default").withLabel("app", app).list().getItems())
                        .as("the pods not evicted are untouched").hasSize(racers - 1)
                        .allSatisfy(p -> assertThat(condition(p, "DisruptionTarget")).isNull());
            }
        }
    }

    // -- fixtures

    private Pod runningPod(String name, Map<String, String> labels, boolean ready, String finalizer) {
        var b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec();
        if (finalizer != null) {
            b.editMetadata().withFinalizers(finalizer).endMetadata();
        }
        Pod pod = client.resource(b.build()).create();
        return client.resource(new PodBuilder(pod).editStatus().withPhase("Running").withConditions().addNewCondition().withType("Ready")
                .withStatus(ready ? "True" : "False").endCondition().endStatus().build()).updateStatus();
    }

    private void release(String name) {
        client.pods().inNamespace("default").withName(name).edit(p -> new PodBuilder(p).editMetadata().withFinalizers(List.of()).endMetadata().build());
    }

    private void budget(String name, LabelSelector selector, String unhealthyPodEvictionPolicy) {
        client.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withSelector(selector).withMinAvailable(new IntOrString(1))
                .withUnhealthyPodEvictionPolicy(unhealthyPodEvictionPolicy).endSpec().build()).create();
    }

    /** The status the disruption controller would have written for the budget's current generation. */
    private void status(String name, int allowed, int currentHealthy, int desiredHealthy) {
        client.policy().v1().podDisruptionBudget().inNamespace("default").withName(name).editStatus(p -> new PodDisruptionBudgetBuilder(p)
                .withNewStatus().withObservedGeneration(p.getMetadata().getGeneration()).withDisruptionsAllowed(allowed)
                .withCurrentHealthy(currentHealthy).withDesiredHealthy(desiredHealthy).withExpectedPods(currentHealthy).endStatus().build());
    }

    private PodDisruptionBudget pdb(String name) {
        return client.policy().v1().podDisruptionBudget().inNamespace("default").withName(name).get();
    }

    private static LabelSelector selector(String key, String value) {
        return new LabelSelectorBuilder().addToMatchLabels(key, value).build();
    }

    private static PodCondition condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    record Response(int code, String retryAfter, JsonNode body) {
    }

    /** POSTs an Eviction for {@code pod} (query e.g. {@code ?dryRun=All}) and returns the answer as it came. */
    private Response evict(String pod, String query) throws Exception {
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod + "\",\"namespace\":\"default\"}}";
        HttpRequest request = evictor.getHttpClient().newHttpRequestBuilder()
                .uri(client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/default/pods/" + pod + "/eviction" + query)
                .post("application/json", body).build();
        HttpResponse<String> response = evictor.getHttpClient().sendAsync(request, String.class).get();
        return new Response(response.code(), response.header("Retry-After"), new ObjectMapper().readTree(response.body()));
    }
}
