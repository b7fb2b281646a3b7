package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service-account tokens through the real kubectl, newest and 1.27, against a real {@code skiff server}
 * (with its controllers, which create the default service accounts): {@code kubectl create token},
 * {@code kubectl auth whoami --token}, the token refused once its account is gone, and pods getting
 * the service-account token volume from the ServiceAccount admission; and, with a real {@code skiff agent}
 * (its own containerd, bridge skiff-sa0 on 10.88.87.0/24), a pod that reads its projected token, CA and
 * namespace, the token then accepted by the server as the pod's. A secret of type
 * service-account-token is filled by the tokens controller, its token works until the account is deleted,
 * which takes the secret with it.
 */
class KubectlServiceAccountTokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static SkiffProcess server;
    static Kubectl kubectl;
    /** The same server with no client certificate: requests carry only the --token given. */
    static Kubectl anonymous;
    static String oldest;
    static int port;

    @BeforeAll
    static void startServer() throws Exception {
        Path kubeconfig = dir.resolve("admin.yaml");
        port = SkiffProcess.freePort();
        // tokens capped at 48 h; the extended year of kubelet's pod tokens still applies past it
        server = SkiffProcess.apiServer(dir, port, kubeconfig, "--service-account-max-token-expiration", "48h");
        kubectl = new Kubectl(kubeconfig, dir);
        Path tokenOnly = dir.resolve("token-only.yaml");
        Files.writeString(tokenOnly, Files.readString(kubeconfig).lines()
                .filter(l -> !l.trim().startsWith("client-certificate-data:") && !l.trim().startsWith("client-key-data:"))
                .collect(Collectors.joining("\n", "", "\n")));
        anonymous = new Kubectl(tokenOnly, dir.resolve("anon"));
        Files.createDirectories(dir.resolve("anon"));
        oldest = Kubectl.oldest();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertThat(server.stop()).isEqualTo(143);
        }
    }

    private static JsonNode claims(String token) throws Exception {
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
    }

    /** The default service account of a new namespace, once the controller has made it. */
    private static void awaitDefaultAccount(String namespace) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (kubectl.run("kubectl", "get", "serviceaccount", "default", "-n", namespace).exit() != 0) {
            assertThat(Instant.now()).as("default service account in " + namespace).isBefore(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void aTokenAskedForLongerThanTheMaximumIsShortenedWithAWarning() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "cap");
        awaitDefaultAccount("cap");
        Kubectl.Result week = kubectl.run("kubectl", "create", "token", "default", "-n", "cap", "--duration", "168h");
        assertThat(week.exit()).isZero();
        assertThat(week.err()).contains("Warning: requested expiration of 604800 seconds shortened to 172800 seconds");
        JsonNode claims = claims(week.out().trim());
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(48 * 3600);
    }

    @Test
    void createTokenAndWhoAmIWithIt() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "tok");
        awaitDefaultAccount("tok");
        kubectl.ok("kubectl", "create", "serviceaccount", "robot", "-n", "tok");
        String uid = kubectl.ok("kubectl", "get", "serviceaccount", "robot", "-n", "tok", "-o", "jsonpath={.metadata.uid}");
        for (String k : List.of("kubectl", oldest)) {
            String token = kubectl.ok(k, "create", "token", "robot", "-n", "tok").trim();
            JsonNode claims = claims(token);
            assertThat(claims.get("sub").asText()).as(k).isEqualTo("system:serviceaccount:tok:robot");
            assertThat(claims.get("aud").get(0).asText()).isEqualTo("https://kubernetes.default.svc.cluster.local");
            assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(3600);
            assertThat(claims.at("/kubernetes.io/serviceaccount/uid").asText()).isEqualTo(uid);

            String whoami = anonymous.ok(k, "auth", "whoami", "--token", token);
            assertThat(whoami).as(k).containsPattern("Username\\s+system:serviceaccount:tok:robot")
                    .containsPattern("Groups\\s+\\[system:serviceaccounts system:serviceaccounts:tok system:authenticated\\]");
            assertThat(anonymous.ok(k, "get", "serviceaccounts", "-n", "tok", "--token", token, "-o", "name"))
                    .contains("serviceaccount/robot");

            String day = kubectl.ok(k, "create", "token", "robot", "-n", "tok", "--duration", "24h", "--audience", "vault").trim();
            assertThat(claims(day).get("aud").get(0).asText()).isEqualTo("vault");
            assertThat(claims(day).get("exp").asLong() - claims(day).get("iat").asLong()).isEqualTo(24 * 3600);
            Kubectl.Result wrongAudience = anonymous.run(k, "auth", "whoami", "--token", day);
            assertThat(wrongAudience.exit()).isNotZero();
            assertThat(wrongAudience.err()).contains("Unauthorized");

            Kubectl.Result tooShort = kubectl.run(k, "create", "token", "robot", "-n", "tok", "--duration", "1m");
            assertThat(tooShort.exit()).isNotZero();
            assertThat(tooShort.err().trim()).isEqualTo("error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid: "
                    + "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");
            Kubectl.Result missing = kubectl.run(k, "create", "token", "ghost", "-n", "tok");
            assertThat(missing.err().trim()).isEqualTo("error: failed to create token: serviceaccounts \"ghost\" not found");
        }

        // bound to a secret: gone with it
        kubectl.ok("kubectl", "create", "secret", "generic", "anchor", "-n", "tok", "--from-literal=k=v");
        String bound = kubectl.ok("kubectl", "create", "token", "robot", "-n", "tok", "--bound-object-kind", "Secret",
                "--bound-object-name", "anchor").trim();
        assertThat(claims(bound).at("/kubernetes.io/secret/name").asText()).isEqualTo("anchor");
        anonymous.ok("kubectl", "auth", "whoami", "--token", bound);
        kubectl.ok("kubectl", "delete", "secret", "anchor", "-n", "tok");
        assertThat(anonymous.run("kubectl", "auth", "whoami", "--token", bound).err()).contains("Unauthorized");

        // the account deleted and made again under the same name: the old token names the old one
        String token = kubectl.ok("kubectl", "create", "token", "robot", "-n", "tok").trim();
        kubectl.ok("kubectl", "delete", "serviceaccount", "robot", "-n", "tok");
        kubectl.ok("kubectl", "create", "serviceaccount", "robot", "-n", "tok");
        assertThat(anonymous.run("kubectl", "auth", "whoami", "--token", token).err()).contains("Unauthorized");
        String again = kubectl.ok("kubectl", "create", "token", "robot", "-n", "tok").trim();
        assertThat(anonymous.ok("kubectl", "auth", "whoami", "--token", again)).containsPattern("Username\\s+system:serviceaccount:tok:robot");
    }

    @Test
    void aManuallyCreatedTokenSecretIsFilledAndWorksUntilItsAccountIsDeleted() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "legacy");
        awaitDefaultAccount("legacy");
        kubectl.ok("kubectl", "create", "serviceaccount", "build-robot", "-n", "legacy");
        String uid = kubectl.ok("kubectl", "get", "serviceaccount", "build-robot", "-n", "legacy", "-o", "jsonpath={.metadata.uid}");
        Path secret = dir.resolve("build-robot-secret.yaml");
        Files.writeString(secret, """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: build-robot-secret
                  namespace: legacy
                  annotations:
                    kubernetes.io/service-account.name: build-robot
                type: kubernetes.io/service-account-token
                """);
        kubectl.ok("kubectl", "apply", "-f", secret.toString());
        Instant deadline = Instant.now().plus(TIMEOUT);
        String encoded = "";
        while (encoded.isEmpty()) {
            assertThat(Instant.now()).as("the tokens controller fills the secret").isBefore(deadline);
            Thread.sleep(200);
            encoded = kubectl.ok("kubectl", "get", "secret", "build-robot-secret", "-n", "legacy", "-o", "jsonpath={.data.token}").trim();
        }
        String token = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        JsonNode claims = claims(token);
        assertThat(claims.get("iss").asText()).isEqualTo("kubernetes/serviceaccount");
        assertThat(claims.get("kubernetes.io/serviceaccount/service-account.uid").asText()).isEqualTo(uid);
        assertThat(claims.has("exp")).isFalse();
        String described = kubectl.ok(oldest, "describe", "secret", "build-robot-secret", "-n", "legacy");
        assertThat(described).containsPattern("kubernetes.io/service-account.uid: " + uid)
                .containsPattern("Type:\\s+kubernetes.io/service-account-token").containsPattern("namespace:\\s+6 bytes")
                .containsPattern("ca.crt:\\s+\\d+ bytes").containsPattern("token:\\s+eyJ").contains(token);
        for (String k : List.of("kubectl", oldest)) {
            assertThat(anonymous.ok(k, "auth", "whoami", "--token", token)).as(k)
                    .containsPattern("Username\\s+system:serviceaccount:legacy:build-robot");
            assertThat(anonymous.ok(k, "get", "serviceaccounts", "-n", "legacy", "--token", token, "-o", "name"))
                    .contains("serviceaccount/build-robot");
        }
        assertThat(kubectl.ok("kubectl", "get", "secret", "build-robot-secret", "-n", "legacy", "-o",
                "jsonpath={.metadata.labels.kubernetes\\.io/legacy-token-last-used}").trim())
                .isEqualTo(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());

        Path nameless = dir.resolve("nameless.yaml");
        Files.writeString(nameless, """
                apiVersion: v1
                kind: Secret
                metadata: {name: nameless, namespace: legacy}
                type: kubernetes.io/service-account-token
                """);
        Kubectl.Result refused = kubectl.run("kubectl", "create", "-f", nameless.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err().trim()).isEqualTo("The Secret \"nameless\" is invalid: "
                + "metadata.annotations[kubernetes.io/service-account.name]: Required value");

        kubectl.ok("kubectl", "delete", "serviceaccount", "build-robot", "-n", "legacy");
        Instant gone = Instant.now().plus(TIMEOUT);
        while (kubectl.run("kubectl", "get", "secret", "build-robot-secret", "-n", "legacy").exit() == 0) {
            assertThat(Instant.now()).as("the token secret goes with its account").isBefore(gone);
            Thread.sleep(200);
        }
        assertThat(anonymous.run("kubectl", "auth", "whoami", "--token", token).err()).contains("Unauthorized");
    }

    @Test
    void podsGetTheDefaultAccountAndItsTokenVolume() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "pods");
        awaitDefaultAccount("pods");
        for (String k : List.of("kubectl", oldest)) {
            String name = k.equals("kubectl") ? "newest" : "oldest";
            kubectl.ok(k, "run", name, "-n", "pods", "--image=busybox", "--restart=Never", "--", "sleep", "1");
            JsonNode pod = JSON.readTree(kubectl.ok(k, "get", "pod", name, "-n", "pods", "-o", "json"));
            assertThat(pod.at("/spec/serviceAccountName").asText()).isEqualTo("default");
            JsonNode volume = pod.at("/spec/volumes/0");
            assertThat(volume.get("name").asText()).matches("kube-api-access-[a-z0-9]{5}");
            assertThat(volume.at("/projected/sources/0/serviceAccountToken/expirationSeconds").asInt()).isEqualTo(3607);
            assertThat(volume.at("/projected/sources/1/configMap/name").asText()).isEqualTo("kube-root-ca.crt");
            assertThat(pod.at("/spec/containers/0/volumeMounts/0/mountPath").asText()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
            assertThat(pod.at("/spec/containers/0/volumeMounts/0/readOnly").asBoolean()).isTrue();
        }
        Kubectl.Result refused = kubectl.run("kubectl", "run", "ghostly", "-n", "pods", "--image=busybox", "--overrides",
                "{\"spec\":{\"serviceAccountName\":\"ghost\"}}");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err().trim()).isEqualTo("Error from server (Forbidden): pods \"ghostly\" is forbidden: error looking up service "
                + "account pods/ghost: serviceaccount \"ghost\" not found");
    }

    @Test
    void aPodOnARealAgentReadsAProjectedTokenTheServerAccepts() throws Exception {
        kubectl.ok("kubectl", "create", "namespace", "inpod");
        awaitDefaultAccount("inpod");
        Path token = dir.resolve("data").resolve("server").resolve("token");
        // a short data dir: containerd's socket path must fit a sockaddr_un
        Path agentData = Files.createTempDirectory(Path.of("/tmp"), "skiff-e2e-sa-");
        var agent = SkiffProcess.start(dir.resolve("agent.log"), "agent", "--server", "https://127.0.0.1:" + port,
                "--token-file", token.toString(), "--node-name", "sa-worker", "--node-ip", "127.0.0.1", "--data-dir", agentData.toString(),
                "--pod-cidr", "10.88.87.0/24", "--cni-bridge", "skiff-sa0", "--kubelet-port", String.valueOf(SkiffProcess.freePort()),
                "--disable-kube-proxy"); // never the host's iptables
        try {
            agent.awaitLine("node sa-worker registered", 0, Duration.ofSeconds(120));
            Path pod = dir.resolve("caller.yaml");
            Files.writeString(pod, """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: caller, namespace: inpod}
                    spec:
                      nodeName: sa-worker
                      restartPolicy: Never
                      containers:
                      - name: c
                        image: busybox:1.35
                        command: [sh, -c]
                        args:
                        - |
                          d=/var/run/secrets/kubernetes.io/serviceaccount
                          ls $d && echo "namespace=$(cat $d/namespace)" && grep -c 'BEGIN CERTIFICATE' $d/ca.crt &&
                          echo "token=$(cat $d/token)"
                    """);
            kubectl.ok("kubectl", "create", "-f", pod.toString());
            Instant deadline = Instant.now().plus(Duration.ofSeconds(150));
            String phase = "";
            while (!phase.equals("Succeeded") && !phase.equals("Failed") && Instant.now().isBefore(deadline)) {
                Thread.sleep(500);
                phase = kubectl.run("kubectl", "get", "pod", "caller", "-n", "inpod", "-o", "jsonpath={.status.phase}").out().strip();
            }
            String logs = kubectl.run("kubectl", "logs", "caller", "-n", "inpod").out();
            assertThat(phase).as("phase; logs: %s; events: %s", logs,
                    kubectl.run("kubectl", "get", "events", "-n", "inpod").out()).isEqualTo("Succeeded");
            assertThat(logs).contains("ca.crt", "namespace", "token").contains("namespace=inpod");
            // the CA is the cluster's, and the token the pod read is a pod-bound one the server accepts
            assertThat(logs.lines().filter(l -> l.equals("1")).count()).isEqualTo(1);
            String podToken = logs.lines().filter(l -> l.startsWith("token=")).findFirst().orElseThrow().substring("token=".length());
            JsonNode claims = claims(podToken);
            assertThat(claims.at("/kubernetes.io/pod/name").asText()).isEqualTo("caller");
            assertThat(claims.at("/kubernetes.io/node/name").asText()).isEqualTo("sa-worker");
            assertThat(claims.at("/kubernetes.io/warnafter").asLong() - claims.get("iat").asLong()).isEqualTo(3607);
            String whoami = anonymous.ok("kubectl", "auth", "whoami", "--token", podToken);
            assertThat(whoami).containsPattern("Username\\s+system:serviceaccount:inpod:default")
                    .containsPattern("authentication.kubernetes.io/pod-name\\s+\\[caller\\]");
            kubectl.ok("kubectl", "delete", "pod", "caller", "-n", "inpod", "--wait=false");
            Instant gone = Instant.now().plus(Duration.ofSeconds(60));
            while (!kubectl.run("kubectl", "get", "pods", "-n", "inpod", "-o", "name").out().isBlank() && Instant.now().isBefore(gone)) {
                Thread.sleep(500);
            }
        } finally {
            assertThat(agent.stop(Duration.ofSeconds(60))).as("the agent stops on SIGTERM").isTrue();
            agent.close();
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(agentData.toString());
        assertThat(Files.exists(Path.of("/sys/class/net/skiff-sa0"))).as("the bridge is removed").isFalse();
        try (var files = Files.walk(agentData)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
