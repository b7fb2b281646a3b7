"""The official Python client's exec (kubernetes.stream over WebSocket, v4.channel.k8s.io) against a
running pod: usage python_exec.py KUBECONFIG POD. Asserts each step and prints "ok STEP"."""
import sys

from kubernetes import client, config
from kubernetes.stream import stream

config.load_kube_config(sys.argv[1])
core = client.CoreV1Api()
pod = sys.argv[2]


def exec_stream(command, stdin=False):
    return stream(core.connect_get_namespaced_pod_exec, pod, "default", command=command,
                  stderr=True, stdin=stdin, stdout=True, tty=False, _preload_content=False)


# stdout and stderr of a command, collected
out = stream(core.connect_get_namespaced_pod_exec, pod, "default", command=["sh", "-c", "echo out; echo err >&2"],
             stderr=True, stdin=False, stdout=True, tty=False)
assert sorted(out.splitlines()) == ["err", "out"], repr(out)
print("ok output")

# the command's exit code from the error channel, streams apart
resp = exec_stream(["sh", "-c", "echo to-out; echo to-err >&2; exit 3"])
resp.run_forever(timeout=30)
assert resp.returncode == 3, resp.returncode
assert resp.read_stdout() == "to-out\n"
assert resp.read_stderr() == "to-err\n"
print("ok exit code")

# stdin reaches the command
resp = exec_stream(["sh", "-c", "read line; echo got $line"], stdin=True)
resp.write_stdin("hello\n")
answer = ""
while resp.is_open():
    resp.update(timeout=1)
    if resp.peek_stdout():
        answer += resp.read_stdout()
assert answer == "got hello\n", repr(answer)
assert resp.returncode == 0, resp.returncode
print("ok stdin")
