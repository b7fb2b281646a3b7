"""Drives a skiff API server through the official Kubernetes Python client (Debian's python3-kubernetes).

Usage: python3 python_client.py KUBECONFIG
Every step asserts what it got; a step that passes prints "ok <step>". Exit status non-zero on the first failure.
"""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def ok(step):
    print("ok " + step, flush=True)


def status_of(call):
    try:
        call()
    except ApiException as e:
        body = json.loads(e.body)
        assert body["kind"] == "Status", body
        return e.status, body
    raise AssertionError("expected an error")


def main(kubeconfig):
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()

    version = client.VersionApi().get_code()  # GET /version/
    assert version.major == "1" and version.git_version.startswith("v1."), version
    ok("version")

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    names = [n.metadata.name for n in core.list_namespace().items]
    assert "py" in names and "kube-system" in names, names
    ok("namespaces")

    for i in range(5):
        core.create_namespaced_config_map("py", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="cm-%d" % i, labels={"app": "py", "tier": "odd" if i % 2 else "even"}),
            data={"index": str(i)}))
    odd = core.list_namespaced_config_map("py", label_selector="app=py,tier in (odd)")
    assert sorted(c.metadata.name for c in odd.items) == ["cm-1", "cm-3"], odd.items
    ok("create and list by label selector")

    seen, token = [], None
    while True:
        page = core.list_namespaced_config_map("py", label_selector="app=py", limit=2, _continue=token)
        assert len(page.items) <= 2
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert seen == ["cm-%d" % i for i in range(5)], seen
    ok("pagination")

    code, body = status_of(lambda: core.list_namespaced_config_map("py", limit=2, _continue="not-a-token"))
    assert code == 400 and body["reason"] == "BadRequest", body
    ok("bad continue token")

    patched = core.patch_namespaced_config_map("cm-0", "py", {"metadata": {"labels": {"patched": "yes"}}, "data": {"extra": "1"}})
    assert patched.metadata.labels["patched"] == "yes" and patched.data == {"index": "0", "extra": "1"}, patched
    json_patched = core.patch_namespaced_config_map("cm-0", "py", [{"op": "replace", "path": "/data/extra", "value": "2"}])
    assert json_patched.data["extra"] == "2", json_patched.data
    ok("patch")

    current = core.read_namespaced_config_map("cm-1", "py")
    stale = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-1", resource_version=current.metadata.resource_version),
                               data={"index": "one"})
    core.replace_namespaced_config_map("cm-1", "py", stale)
    code, body = status_of(lambda: core.replace_namespaced_config_map("cm-1", "py", stale))
    assert code == 409 and body["reason"] == "Conflict", body
    ok("replace and conflict")

    code, body = status_of(lambda: core.read_namespaced_config_map("missing", "py"))
    assert code == 404 and body["reason"] == "NotFound" and body["details"]["name"] == "missing", body
    code, body = status_of(lambda: core.create_namespaced_config_map("py", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="cm-0"))))
    assert code == 409 and body["reason"] == "AlreadyExists", body
    code, body = status_of(lambda: core.create_namespaced_config_map("py", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="Bad_Name"))))
    assert code == 422 and body["reason"] == "Invalid", body
    assert body["details"]["causes"][0]["field"] == "metadata.name", body
    ok("errors")

    rv = core.list_namespaced_config_map("py").metadata.resource_version
    events = []

    def watch_them():
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_config_map, "py", resource_version=rv, timeout_seconds=10):
            events.append((event["type"], event["object"].metadata.name))
            if len(events) == 3:
                w.stop()

    watcher = threading.Thread(target=watch_them)
    watcher.start()
    core.create_namespaced_config_map("py", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched")))
    core.patch_namespaced_config_map("watched", "py", {"data": {"k": "v"}})
    core.delete_namespaced_config_map("watched", "py")
    watcher.join(15)
    assert events == [("ADDED", "watched"), ("MODIFIED", "watched"), ("DELETED", "watched")], events
    ok("watch")

    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="busybox:1.35")]))))
    created = apps.create_namespaced_deployment("py", deployment)
    assert created.spec.strategy.type == "RollingUpdate" and created.metadata.generation == 1, created
    apps.patch_namespaced_deployment_scale("web", "py", {"spec": {"replicas": 4}})
    scale = apps.read_namespaced_deployment_scale("web", "py")
    assert scale.spec.replicas == 4, scale
    assert apps.read_namespaced_deployment("web", "py").metadata.generation == 2
    ok("deployment and scale")

    core.delete_collection_namespaced_config_map("py", label_selector="tier=even")
    left = sorted(c.metadata.name for c in core.list_namespaced_config_map("py").items)
    assert "cm-0" not in left and "cm-1" in left, left
    ok("delete collection")

    pod = core.create_namespaced_pod("py", client.V1Pod(
        metadata=client.V1ObjectMeta(name="p"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox:1.35")])))
    assert pod.status.phase == "Pending" and pod.spec.service_account_name == "default", pod.status
    by_field = core.list_namespaced_pod("py", field_selector="status.phase=Pending,metadata.name=p")
    assert [p.metadata.name for p in by_field.items] == ["p"], by_field.items
    ok("pods and field selector")


if __name__ == "__main__":
    main(sys.argv[1])
