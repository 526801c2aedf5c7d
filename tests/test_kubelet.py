"""The kubelet against the reference sheet (§4, §4.8, §4.9, §7.2) and the faults that break it."""

import re

import pytest
from conftest import new_kubelet

from kubeteach.cluster import Cluster
from kubeteach.faults import Faults
from kubeteach.kubelet.backoff import Backoff
from kubeteach.kubelet.cni import HostLocal
from kubeteach.kubelet.csi import attachment_name
from kubeteach.kubelet.images import parse_image, pulled_message
from kubeteach.objects import parse_timestamp

NGINX_SIZE, NGINX_PULL = 72195292, 2.41
CONDITIONS = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]


def pod(name, image="nginx:1.25", node="node-1", **spec):
    containers = spec.pop("containers", [{"name": "nginx", "image": image}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node, "containers": containers, **spec}}


@pytest.fixture
def cluster():
    c = Cluster(components=[])
    new_kubelet(c, "node-1").start()
    c.admin = c.client("admin")
    c.faults_ = Faults(c)
    return c


def events_of(c, name):
    return [(e["type"], e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


def container_status(c, name):
    return c.get("pod", name)["status"]["containerStatuses"][0]


# --- the create flow ----------------------------------------------------------------------------------------------

def test_first_pod_runs_with_the_first_address_after_a_timed_pull(cluster):
    c = cluster
    c.admin.create("pods", pod("web"))
    result = c.run()
    assert result.settled and c.now == pytest.approx(NGINX_PULL)
    p = c.get("pod", "web")
    st = p["status"]
    assert st["phase"] == "Running"
    assert st["podIP"] == "10.244.1.2" and st["podIPs"] == [{"ip": "10.244.1.2"}]
    assert st["hostIP"] == "172.18.0.2" and st["hostIPs"] == [{"ip": "172.18.0.2"}]
    assert [cond["type"] for cond in st["conditions"]] == CONDITIONS
    assert all(cond["status"] == "True" for cond in st["conditions"])
    assert st["qosClass"] == "BestEffort" and st["startTime"] == "2026-01-01T00:00:00Z"
    cs = st["containerStatuses"][0]
    assert cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0
    assert cs["state"] == {"running": {"startedAt": "2026-01-01T00:00:02Z"}} and cs["lastState"] == {}
    assert cs["image"] == "docker.io/library/nginx:1.25"
    assert re.fullmatch(r"docker\.io/library/nginx@sha256:[0-9a-f]{64}", cs["imageID"])
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert events_of(c, "web") == [
        ("Normal", "Pulling", 'Pulling image "nginx:1.25"'),
        ("Normal", "Pulled", 'Successfully pulled image "nginx:1.25" in 2.41s (2.41s including waiting). '
                             f"Image size: {NGINX_SIZE} bytes."),
        ("Normal", "Created", "Container created"),
        ("Normal", "Started", "Container started"),
    ]
    text = c.trace.text()
    assert "CRI RunPodSandbox (registry.k8s.io/pause:3.10) -> CNI ADD (host-local on 10.244.1.0/24) gave eth0 " \
           "10.244.1.2; PodReadyToStartContainers=True" in text


def test_status_before_the_pull_finishes_is_container_creating(cluster):
    c = cluster
    c.admin.create("pods", pod("web"))
    c.run(seconds=1)
    st = c.get("pod", "web")["status"]
    assert st["phase"] == "Pending" and st["podIP"] == "10.244.1.2"
    by_type = {cond["type"]: cond for cond in st["conditions"]}
    assert by_type["PodReadyToStartContainers"]["status"] == "True"
    assert by_type["Ready"]["reason"] == "ContainersNotReady"
    assert by_type["Ready"]["message"] == "containers with unready status: [nginx]"
    assert by_type["ContainersReady"]["message"] == "containers with unready status: [nginx]"
    cs = st["containerStatuses"][0]
    assert cs["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert cs["image"] == "nginx:1.25" and cs["imageID"] == "" and "containerID" not in cs


def test_second_pod_finds_the_image_and_gets_the_next_address(cluster):
    c = cluster
    c.admin.create("pods", pod("a"))
    c.run()
    c.admin.create("pods", pod("b"))
    start = c.now
    c.run()
    assert c.now == start                              # no pull this time
    assert c.get("pod", "b")["status"]["podIP"] == "10.244.1.3"
    assert ("Normal", "Pulled", 'Container image "nginx:1.25" already present on machine and can be accessed '
            "by the pod") in events_of(c, "b")
    assert not any(r == "Pulling" for _, r, _ in events_of(c, "b"))


def test_latest_is_pulled_every_time(cluster):
    c = cluster
    c.admin.create("pods", pod("a", "nginx"))
    c.run()
    c.admin.create("pods", pod("b", "nginx"))
    c.run()
    assert ("Normal", "Pulling", 'Pulling image "nginx"') in events_of(c, "b")
    pulled = [m for _, r, m in events_of(c, "b") if r == "Pulled"]
    assert pulled == ['Successfully pulled image "nginx" in 500ms (500ms including waiting). '
                      f"Image size: {NGINX_SIZE} bytes."]


def test_serialized_pulls_report_the_waiting(cluster):
    c = cluster
    c.admin.create("pods", pod("a", "nginx:1.25"))
    c.admin.create("pods", pod("b", "redis:7.2"))
    c.run()
    pulled = [m for _, r, m in events_of(c, "b") if r == "Pulled"]
    assert pulled == ['Successfully pulled image "redis:7.2" in 3.57s (5.98s including waiting). '
                      "Image size: 117212510 bytes."]


def test_node_status_lists_pulled_images_on_the_next_update(cluster):
    c = cluster
    c.admin.create("pods", pod("web"))
    c.run()
    assert c.get("node", "node-1")["status"]["images"] == []
    c.run(seconds=10)
    images = c.get("node", "node-1")["status"]["images"]
    assert len(images) == 1 and images[0]["sizeBytes"] == NGINX_SIZE
    assert "docker.io/library/nginx:1.25" in images[0]["names"]


def test_readiness_probe_delays_ready(cluster):
    c = cluster
    spec = {"containers": [{"name": "nginx", "image": "nginx:1.25",
                            "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5}}]}
    c.admin.create("pods", pod("web", **spec))
    c.run()
    p = c.get("pod", "web")
    ready = next(cond for cond in p["status"]["conditions"] if cond["type"] == "Ready")
    assert ready["status"] == "True"
    # the worker's ticker runs from admission every 10s; the probe at start (the manual trigger) is skipped by
    # initialDelaySeconds, so the first one that runs is the tick at admission + 10s
    admitted = c.trace.actions("kubelet-admit")[0].time
    assert admitted + 10 > NGINX_PULL + 5
    assert parse_timestamp(ready["lastTransitionTime"]) == int(admitted + 10)
    assert c.now == pytest.approx(admitted + 10)


# --- admission ----------------------------------------------------------------------------------------------------

def test_out_of_cpu_is_rejected_with_the_kubelet_message(cluster):
    c = cluster
    big = {"containers": [{"name": "nginx", "image": "nginx:1.25", "resources": {"requests": {"cpu": "3"}}}]}
    c.admin.create("pods", pod("big", **big))
    c.run()
    st = c.get("pod", "big")["status"]
    message = "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 1900"
    assert st["phase"] == "Failed" and st["reason"] == "OutOfcpu"
    assert st["message"] == f"Pod was rejected: {message}"
    assert events_of(c, "big") == [("Warning", "OutOfcpu", message)]


def test_admission_counts_what_is_already_running(cluster):
    c = cluster
    half = {"containers": [{"name": "nginx", "image": "nginx:1.25", "resources": {"requests": {"cpu": "1"}}}]}
    c.admin.create("pods", pod("one", **half))
    c.run()
    c.admin.create("pods", pod("two", **half))
    c.run()
    assert c.get("pod", "two")["status"]["message"] == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, used: 1000, capacity: 1900")


# --- images that cannot be pulled --------------------------------------------------------------------------------

def test_unknown_tag_goes_err_image_pull_then_image_pull_back_off(cluster):
    c = cluster
    image = "nginx:does-not-exist"
    c.admin.create("pods", pod("bad", image))
    c.run(seconds=1)
    err = ('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:does-not-exist"'
           ': failed to resolve reference "docker.io/library/nginx:does-not-exist": '
           "docker.io/library/nginx:does-not-exist: not found")
    assert container_status(c, "bad")["state"] == {"waiting": {"reason": "ErrImagePull", "message": err}}
    assert ("Warning", "Failed", f'Failed to pull image "{image}": {err}') in events_of(c, "bad")
    assert ("Warning", "Failed", "Error: ErrImagePull") in events_of(c, "bad")
    c.run(seconds=1)
    assert container_status(c, "bad")["state"] == {
        "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}}
    assert ("Normal", "BackOff", f'Back-off pulling image "{image}"') in events_of(c, "bad")
    assert c.get("pod", "bad")["status"]["phase"] == "Pending"


def test_pull_attempts_back_off_10_20_40(cluster):
    c = cluster
    c.admin.create("pods", pod("bad", "nginx:does-not-exist"))
    c.run(seconds=100)
    attempts = [r.time for r in c.trace.actions("kubelet-pull")]
    failures = [r.time for r in c.trace.actions("kubelet-pull-failed")]
    gaps = [round(a - f, 3) for f, a in zip(failures, attempts[1:])]
    assert gaps == [10.0, 20.0, 40.0]


def test_broken_image_fails_for_new_pods(cluster):
    c = cluster
    c.faults_.break_image("busybox:1.36")
    c.admin.create("pods", pod("bb", "busybox:1.36"))
    c.run(seconds=1)
    assert container_status(c, "bb")["state"]["waiting"]["reason"] == "ErrImagePull"
    c.faults_.break_image("httpd")
    c.admin.create("pods", pod("web", "httpd:2.4"))
    c.run(seconds=1)
    message = container_status(c, "web")["state"]["waiting"]["message"]
    assert "pull access denied, repository does not exist or may require authorization" in message
    assert any(r.actor == "faults" for r in c.trace)


# --- crashes ------------------------------------------------------------------------------------------------------

def test_crash_loop_restarts_after_0_10_20_40_seconds(cluster):
    c = cluster
    c.admin.create("pods", pod("web"))
    c.run()
    c.faults_.crash_container("web", times=4)
    c.run(seconds=100)
    starts = [r.time for r in c.trace.actions("kubelet-start")]
    crashes = [r.time for r in c.trace.actions("kubelet-exited")]
    delays = [round(s - x, 3) for x, s in zip(crashes, starts[1:])]
    assert delays == [0.0, 10.0, 20.0, 40.0]
    cs = container_status(c, "web")
    assert cs["restartCount"] == 4 and "running" in cs["state"]
    assert cs["lastState"]["terminated"]["exitCode"] == 1 and cs["lastState"]["terminated"]["reason"] == "Error"


def test_crash_loop_back_off_messages(cluster):
    c = cluster
    c.admin.create("pods", pod("web"))
    c.run()
    uid = c.get("pod", "web")["metadata"]["uid"]
    c.faults_.crash_container("web", times=3)
    c.run(seconds=15)
    cs = container_status(c, "web")
    assert cs["state"] == {"waiting": {"reason": "CrashLoopBackOff", "message":
                                       f"back-off 20s restarting failed container=nginx pod=web_default({uid})"}}
    assert cs["restartCount"] == 2 and cs["ready"] is False
    assert cs["lastState"]["terminated"]["containerID"] == cs["containerID"]
    assert ("Warning", "BackOff", f"Back-off restarting failed container nginx in pod web_default({uid})") \
        in events_of(c, "web")
    assert c.get("pod", "web")["status"]["phase"] == "Running"


def test_restart_policy_never_leaves_the_pod_failed(cluster):
    c = cluster
    c.admin.create("pods", pod("job", restartPolicy="Never"))
    c.run()
    c.faults_.crash_container("job")
    c.run()
    st = c.get("pod", "job")["status"]
    assert st["phase"] == "Failed"
    assert st["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 1


# --- deletion -----------------------------------------------------------------------------------------------------

def test_graceful_deletion_stops_releases_and_removes(cluster):
    c = cluster
    c.admin.create("pods", pod("a"))
    c.admin.create("pods", pod("b"))
    c.run()
    assert c.get("pod", "a")["status"]["podIP"] == "10.244.1.2"
    c.admin.delete("pods", "default", "a")
    assert c.get("pod", "a")["metadata"]["deletionTimestamp"]
    c.run()
    assert c.get("pod", "a") is None
    assert ("Normal", "Killing", "Stopping container nginx") in events_of(c, "a")
    assert "CNI DEL released 10.244.1.2" in c.trace.text()
    deletes = [r for r in c.trace if r.action == "request" and r.detail.get("method") == "DELETE"
               and r.actor == "kubelet/node-1"]
    assert len(deletes) == 1
    # round-robin: the next pod gets .4, not the .2 just released
    c.admin.create("pods", pod("c"))
    c.run()
    assert c.get("pod", "c")["status"]["podIP"] == "10.244.1.4"


def test_kill_pod_force_deletes_and_frees_the_address(cluster):
    c = cluster
    c.admin.create("pods", pod("a"))
    c.run()
    c.faults_.kill_pod("a")
    assert c.get("pod", "a") is None
    c.run()
    kubelet = c.started["kubelet/node-1"]
    assert kubelet.cni.reserved == {} and kubelet.records == {}
    assert ("fault: pod default/a is force-deleted (grace period 0, as `kubectl delete pod --force --grace-period=0` "
            "does); its containers on node-1 are killed (nginx, exit 137)") in c.trace.text()


# --- CNI ----------------------------------------------------------------------------------------------------------

def test_host_local_skips_gateway_wraps_and_exhausts():
    ipam = HostLocal("10.244.1.0/24")
    assert ipam.range_set() == "10.244.1.1-10.244.1.254"
    assert [ipam.add(f"c{i}") for i in range(3)] == ["10.244.1.2", "10.244.1.3", "10.244.1.4"]
    assert ipam.delete("c0") == ["10.244.1.2"]
    assert ipam.add("c3") == "10.244.1.5"                          # round-robin, not the freed .2
    for i in range(4, 253):
        ipam.add(f"c{i}")
    assert ipam.last_reserved.exploded == "10.244.1.254"
    assert ipam.add("wrap") == "10.244.1.2"                        # wrapped around, gateway .1 skipped
    with pytest.raises(Exception, match=r"^failed to allocate for range 0: no IP addresses available in range "
                                        r"set: 10\.244\.1\.1-10\.244\.1\.254$"):
        ipam.add("one-too-many")
    with pytest.raises(Exception, match="too small to allocate from"):
        HostLocal("10.0.0.0/31")


def test_exhausted_range_fails_the_sandbox(cluster):
    c = cluster
    assert c.faults_.exhaust_ips("node-1") == 253
    c.admin.create("pods", pod("web"))
    c.run()
    (event,) = [e for e in events_of(c, "web") if e[1] == "FailedCreatePodSandBox"]
    assert event[0] == "Warning"
    assert re.fullmatch(r'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for '
                        r'sandbox "[0-9a-f]{64}": plugin type="bridge" name="cbr0" failed \(add\): failed to allocate '
                        r"for range 0: no IP addresses available in range set: 10\.244\.1\.1-10\.244\.1\.254",
                        event[2])
    st = c.get("pod", "web")["status"]
    assert st["phase"] == "Pending" and "podIP" not in st


# --- CSI ----------------------------------------------------------------------------------------------------------

def _volume_pod(c):
    c.admin.create("persistentvolumes", {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pvc-1"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                 "csi": {"driver": "hostpath.csi.k8s.io", "volumeHandle": "vol-1"}}})
    pvc = c.admin.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "volumeName": "pvc-1"}})
    pvc["status"] = {"phase": "Bound"}
    c.admin.update_status("persistentvolumeclaims", pvc)
    c.admin.create("pods", pod("db", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]))
    c.run()


def _attach(c):
    name = attachment_name("vol-1", "hostpath.csi.k8s.io", "node-1")
    va = c.admin.create("volumeattachments", {
        "apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment", "metadata": {"name": name},
        "spec": {"attacher": "hostpath.csi.k8s.io", "nodeName": "node-1", "source": {"persistentVolumeName": "pvc-1"}}})
    va["status"] = {"attached": True}
    c.admin.update_status("volumeattachments", va)


def test_volume_waits_for_the_attachment_then_stages_and_publishes(cluster):
    c = cluster
    _volume_pod(c)
    assert container_status(c, "db")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert "podIP" not in c.get("pod", "db")["status"]            # no sandbox before the volumes
    _attach(c)
    c.run()
    assert c.get("pod", "db")["status"]["phase"] == "Running"
    calls = [r.detail["call"] for r in c.trace.actions("kubelet-csi")]
    assert calls == ["NodeStageVolume", "NodePublishVolume"]
    c.admin.delete("pods", "default", "db")
    c.run()
    calls = [r.detail["call"] for r in c.trace.actions("kubelet-csi")]
    assert calls[2:] == ["NodeUnpublishVolume", "NodeUnstageVolume"]


def test_attachment_name_is_sha256_of_handle_driver_node():
    import hashlib

    expect = "csi-" + hashlib.sha256(b"vol-1hostpath.csi.k8s.ionode-1").hexdigest()
    assert attachment_name("vol-1", "hostpath.csi.k8s.io", "node-1") == expect


def test_csi_failure_is_a_failed_mount_then_retried(cluster):
    c = cluster
    c.faults_.fail_csi(1)
    _volume_pod(c)
    _attach(c)
    c.run()
    failed = [m for _, r, m in events_of(c, "db") if r == "FailedMount"]
    assert failed and failed[0].startswith('MountVolume.MountDevice failed for volume "pvc-1" : rpc error:')
    c.run(seconds=5)
    assert c.get("pod", "db")["status"]["phase"] == "Running"


def test_unattached_volume_times_out_with_the_kubelet_message(cluster):
    c = cluster
    _volume_pod(c)
    c.run(seconds=130)
    failed = [m for _, r, m in events_of(c, "db") if r == "FailedMount"]
    assert failed == ["Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], "
                      "failed to process volumes=[]: timed out waiting for the condition"]


# --- heartbeats and node failure ---------------------------------------------------------------------------------

def test_lease_is_renewed_every_10_seconds(cluster):
    c = cluster
    lease = c.get("lease", "node-1", "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "node-1" and lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    c.run(seconds=35)
    renewals = [r.time for r in c.trace.actions("kubelet-lease") if r.detail["op"] == "renewed"]
    assert renewals == [10.0, 20.0, 30.0]
    assert c.get("lease", "node-1", "kube-node-lease")["spec"]["renewTime"] == "2026-01-01T00:00:30.000000Z"


def test_node_status_is_reported_every_5_minutes_when_nothing_changes(cluster):
    c = cluster
    c.run(seconds=610)
    posts = [r.time for r in c.trace.actions("kubelet-node-status")]
    assert posts == [300.0, 600.0]
    ready = next(x for x in c.get("node", "node-1")["status"]["conditions"] if x["type"] == "Ready")
    assert ready["lastHeartbeatTime"] == "2026-01-01T00:10:00Z"
    assert ready["lastTransitionTime"] == "2026-01-01T00:00:00Z"


def test_failed_node_stops_heartbeats_and_recovers(cluster):
    c = cluster
    c.faults_.fail_node("node-1")
    c.admin.create("pods", pod("web"))
    c.run(seconds=60)
    assert not [r for r in c.trace.actions("kubelet-lease") if r.detail["op"] == "renewed"]
    assert "podIP" not in (c.get("pod", "web").get("status") or {})
    c.faults_.recover_node("node-1")
    c.run(seconds=10)
    assert c.get("pod", "web")["status"]["phase"] == "Running"
    assert [r.time for r in c.trace.actions("kubelet-lease") if r.detail["op"] == "renewed"][0] == 60.0


# --- helpers ------------------------------------------------------------------------------------------------------

def test_backoff_doubles_to_the_cap_and_resets_after_idle():
    b = Backoff()
    assert [b.next("k", t) for t in (0, 1, 2, 3, 4, 5, 6, 7)] == [10, 20, 40, 80, 160, 300, 300, 300]
    assert b.next("k", 7 + 601) == 10


def test_image_references_and_messages():
    ref = parse_image("nginx:1.25")
    assert (ref.repository, ref.tag, ref.full) == ("docker.io/library/nginx", "1.25", "docker.io/library/nginx:1.25")
    assert parse_image("nginx").tag == "latest"
    assert parse_image("registry.k8s.io/pause:3.10").full == "registry.k8s.io/pause:3.10"
    assert parse_image("localhost:5000/app").full == "localhost:5000/app:latest"
    assert pulled_message("nginx", 1.2345678, 1.9, 5) == \
        'Successfully pulled image "nginx" in 1.234s (1.9s including waiting). Image size: 5 bytes.'
