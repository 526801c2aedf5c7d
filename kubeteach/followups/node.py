"""Follow-ups on the kubelet and the node (the seed's step 5) and on Pod shutdown: Q19–Q22, Q24–Q26, Q33."""

from __future__ import annotations

from ._kit import DATA, block, fresh, note, pick, sh, since
from .record import Followup

DEMO_APP = "kubeteach/demo-app:1.0"


def _actions(records, *actions: str, limit: int = 12) -> list[str]:
    """The records of the given actions, in order (kubelet-admit, kubelet-sandbox, …)."""
    return [str(r) for r in records if r.action in actions][:limit]


def _pod(name: str, containers: list[dict], **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": containers, **spec}}


def _demo_container(probes: dict | None = None, **env: str) -> dict:
    return {"name": "app", "image": DEMO_APP, "env": [{"name": k, "value": v} for k, v in env.items()],
            **(probes or {})}


def demo_kubelet_order() -> str:
    """Q19: the kubelet of the bound node sees the Pod through its node-filtered watch, admits it, mounts volumes,
    makes the sandbox, pulls, creates and starts the container, and reports status."""
    c = fresh()
    mark = len(c.trace)
    c.kubectl("run web --image=nginx:1.25")
    c.run()
    node = c.get("pods", "web")["spec"]["nodeName"]
    out = [note(f"web was bound to {node}; only kubelet/{node} acts on it (spec.nodeName={node} in its watch)")]
    out += _actions(since(c, mark), "kubelet-admit", "kubelet-volume-setup", "kubelet-sandbox", "kubelet-pull",
                    "kubelet-create", "kubelet-start")
    return block(out)


def demo_cri_calls() -> str:
    """Q20: the CRI calls of one Pod's life: RunPodSandbox (with CNI ADD inside), CreateContainer, StartContainer,
    and on deletion StopContainer, then the sandbox torn down."""
    c = fresh()
    c.kubectl("run web --image=nginx:1.25")
    c.run()
    mark = len(c.trace)
    c.kubectl("delete pod web")
    c.run()
    lines = pick(c.trace, "CRI ", limit=3)
    lines += pick(since(c, mark), "CRI ", "CNI DEL", limit=4)
    return block(lines)


def demo_cni_ips() -> str:
    """Q21: host-local IPAM on the node's podCIDR: the first Pod gets .2 (the bridge keeps .1), the next .3;
    a deleted Pod's CNI DEL frees its address."""
    c = fresh(nodes=1)
    mark = len(c.trace)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2")
    c.run()
    out = pick(since(c, mark), "CNI ADD", limit=2)
    node = c.get("nodes", "node-1", namespace="")
    out.append(f"node-1 spec.podCIDR {node['spec']['podCIDR']}")
    mark = len(c.trace)
    c.kubectl("scale deployment web --replicas=1")
    c.run()
    out += pick(since(c, mark), "CNI DEL", limit=1)
    return block(out)


def demo_csi_volume() -> str:
    """Q22: a PVC and a Pod (lesson 05's manifest): CreateVolume, the attach-detach controller's VolumeAttachment,
    ControllerPublishVolume, then the kubelet's NodeStageVolume and NodePublishVolume."""
    c = fresh()
    mark = len(c.trace)
    out = [sh(c, f"create -f {DATA / '05-volume.yaml'}", shown="create -f data/05-volume.yaml")]
    c.run()
    out += [_clip(r) for r in pick(since(c, mark), "CreateVolume", "create VolumeAttachment",
                                   "ControllerPublishVolume", "NodeStageVolume", "NodePublishVolume", limit=5)]
    return block(out)


def _clip(line: str, width: int = 200) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def demo_kubelet_down() -> str:
    """Q24: a node's kubelet stops. After 50 s without a Lease the node is Unknown and tainted unreachable;
    the Pod tolerates the NoExecute taint for 300 s, then is evicted and replaced on another node."""
    c = fresh()
    c.kubectl("create deployment nginx --image=nginx:1.25 --replicas=2")
    c.run()
    node = c.list("pods")[0]["spec"]["nodeName"]
    mark = len(c.trace)
    c.faults.fail_node(node)
    c.run(seconds=370)
    out = [_clip(r) for r in _actions(since(c, mark), "fault-fail-node", "node-unknown", "node-taints",
                                      "taint-evict-later", "taint-evict", "create-pods")]
    out.append(sh(c, "get pods -o wide"))
    out.append(note("the old Pod stays Terminating: no kubelet is there to confirm its containers stopped"))
    return block(out)


def demo_probes() -> str:
    """Q25: a failing readiness probe keeps the Pod unready and never restarts it; a failing liveness probe kills
    and restarts the container after three failures (period 10 s, failureThreshold 3)."""
    c = fresh(nodes=1)
    admin = c.client("admin")
    ready = {"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}}
    live = {"livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}}
    admin.create("pods", _pod("unready", [_demo_container(ready, READY="false")]), "default")
    admin.create("pods", _pod("hung", [_demo_container(live, LIVE="false")]), "default")
    c.run(seconds=45)
    out = []
    for e in sorted(c.events(), key=lambda e: (e["involvedObject"]["name"], e["reason"])):
        if e["reason"] in ("Unhealthy", "Killing"):
            out.append(f"{e['involvedObject']['name']}: {e['type']} {e['reason']} (x{e.get('count', 1)}): "
                       f"{e['message']}")
    out.append(sh(c, "get pods"))
    return block(out)


def demo_init_and_sidecar() -> str:
    """Q26: lesson 05's Pod: the init container runs to completion first, the sidecar (an init container with
    restartPolicy Always) starts before the app and keeps running; on deletion it stops after the app."""
    c = fresh(nodes=1)
    out = [sh(c, f"create -f {DATA / '05-init-sidecar.yaml'}", shown="create -f data/05-init-sidecar.yaml")]
    mark = len(c.trace)
    c.run()
    out += _actions(since(c, mark), "kubelet-start", "kubelet-exited")
    mark = len(c.trace)
    c.kubectl("delete pod shop")
    c.run()
    out += _actions(since(c, mark), "kubelet-signal", "kubelet-exited")
    return block(out)


def demo_termination() -> str:
    """Q33: a graceful delete of a Pod whose container has a 5 s preStop sleep and ignores SIGTERM: Killing, the hook,
    the signal with the rest of the grace, SIGKILL at 30 s, exit 137."""
    c = fresh(nodes=1)
    app = _demo_container(IGNORE_SIGTERM="true")
    app["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}
    c.client("admin").create("pods", _pod("stubborn", [app]), "default")
    c.run()
    mark = len(c.trace)
    out = [sh(c, "delete pod stubborn --wait=false")]
    c.run()
    out += _actions(since(c, mark), "kubelet-kill", "kubelet-prestop", "kubelet-signal", "kubelet-sigkill",
                    "kubelet-exited")
    out += [f"{e['type']} {e['reason']}: {e['message']}" for e in c.events() if e["reason"] == "Killing"]
    return block(out)


def demo_requests_and_qos() -> str:
    """Q27: three Pods whose resources make them Guaranteed, Burstable and BestEffort (as kubectl describe
    computes it), and the scheduler reserving by requests: a Pod asking more CPU than any node has free stays
    Pending. Not simulated: cgroup enforcement, the OOM killer and node-pressure eviction."""
    c = fresh(nodes=1)
    admin = c.client("admin")
    shapes = {"guaranteed": {"requests": {"cpu": "500m", "memory": "256Mi"},
                             "limits": {"cpu": "500m", "memory": "256Mi"}},
              "burstable": {"requests": {"cpu": "200m"}, "limits": {"cpu": "1"}},
              "besteffort": {}}
    for name, res in shapes.items():
        container = {"name": "app", "image": "nginx:1.25", **({"resources": res} if res else {})}
        admin.create("pods", _pod(name, [container]), "default")
    admin.create("pods", _pod("huge", [{"name": "app", "image": "nginx:1.25",
                                         "resources": {"requests": {"cpu": "4"}}}]), "default")
    c.run(seconds=10)
    out = []
    for name in shapes:
        qos = [line for line in str(c.kubectl(f"describe pod {name}")).splitlines() if line.startswith("QoS Class:")]
        out.append(f"{name}: {' '.join(qos[0].split()) if qos else '?'}")
    out += [f"huge: {e['reason']}: {e['message']}" for e in c.events() if e["reason"] == "FailedScheduling"][:1]
    out.append(note("not simulated: CPU throttling, OOMKilled, oom_score_adj and the kubelet's eviction ranking"))
    return block(out)


def demo_container_exit() -> str:
    """Q23, the nearest real thing: a container exits, the kubelet notices the exit (PLEG's ContainerDied in
    the real kubelet), its pod worker syncs and restarts it, then backs off 10 s. The simulator delivers an exit
    at once: it has no 1 s relist timer and no 3-minute PLEG health threshold."""
    c = fresh(nodes=1)
    c.kubectl("run web --image=nginx:1.25")
    c.run()
    mark = len(c.trace)
    c.faults.crash_container("web", times=2)
    c.run(seconds=15)
    out = _actions(since(c, mark), "fault-crash", "kubelet-exited", "kubelet-start", "kubelet-crashloop")
    out.append(note("not simulated: the generic PLEG relist every 1 s and its 3-minute health threshold"))
    return block(out)


BANK = [
    Followup(
        19, "How does the kubelet learn about the Pod, and in what order does it set it up?",
        "kubelet 怎么知道有 Pod 调度到了自己节点？拿到 Pod 以后按什么顺序创建？",
        "The kubelet list-watches Pods with the field selector spec.nodeName equal to its own node, so it sees "
        "the Pod as soon as the binding is stored; the Node authorizer and NodeRestriction keep it to its own "
        "objects. A per-Pod worker then syncs: admit the Pod against the node's resources, write status, set up "
        "cgroups, attach and mount volumes, create the sandbox, run init containers one at a time, then pull "
        "images and create and start the containers. Later syncs are triggered by PLEG events, probes and a "
        "periodic resync.",
        "The scheduler pushes the Pod to the kubelet.",
        demo_kubelet_order,
        ("pkg/kubelet/config/apiserver.go", "pkg/kubelet/kubelet.go", "pkg/kubelet/pod_workers.go")),
    Followup(
        20, "CRI calls and the pause container",
        "kubelet 具体怎么创建容器？CRI 调用顺序？pause 容器是干什么的？还是 docker run 吗？",
        "The kubelet talks gRPC to the runtime, containerd or CRI-O, through the CRI; dockershim was removed in "
        "1.24, so it is not docker run. First RunPodSandbox: the runtime creates the Pod's network namespace, "
        "usually held by a pause container, and calls the CNI plugin to give it an IP. Then for each container "
        "PullImage if needed, CreateContainer inside the sandbox and StartContainer. Teardown is StopContainer "
        "with the grace period, RemoveContainer, then StopPodSandbox, which runs CNI DEL, and RemovePodSandbox.",
        "The pause container pauses the Pod, or the kubelet calls the CNI plugin itself.",
        demo_cri_calls,
        ("staging/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto", "pkg/kubelet/kuberuntime/kuberuntime_manager.go")),
    Followup(
        21, "CNI ADD/DEL and IP allocation",
        "Pod IP 是怎么分配的？CNI 插件什么时候被调用？Pod 删除后 IP 怎么回收？",
        "The container runtime calls the CNI plugin while it creates the sandbox. A CNI plugin is an executable "
        "called with CNI_COMMAND ADD, DEL, CHECK or VERSION and its config on stdin; ADD returns the interface, "
        "IPs and routes. Address allocation is delegated to an IPAM plugin: host-local hands out addresses from "
        "the node's podCIDR, skipping the gateway .1, so the first Pod gets .2. Every ADD must get a DEL, and "
        "DEL must be idempotent and release the address even if the network namespace is already gone.",
        "kube-proxy assigns Pod IPs, or Pods use docker0.",
        demo_cni_ips,
        ("containernetworking/cni SPEC.md", "kubernetes-behaviour.md §4.9 (host-local IPAM)")),
    Followup(
        22, "CSI: from a PVC to a mounted volume",
        "Pod 要挂一块云盘，从 PVC 到容器里能看到目录经历了哪些步骤？attach 和 mount 分别是谁做的？",
        "First the claim is provisioned and bound: the external provisioner calls CreateVolume, and with "
        "WaitForFirstConsumer it waits until the Pod is scheduled. Attach is the attach-detach controller's job "
        "in the controller manager: it creates a VolumeAttachment, and the external attacher calls "
        "ControllerPublishVolume and marks it attached. Then the kubelet on the node calls NodeStageVolume, one "
        "global mount per node, and NodePublishVolume, the bind mount into the Pod. Teardown runs in reverse. "
        "If it takes over two minutes you see FailedMount.",
        "The kubelet attaches the cloud disk.",
        demo_csi_volume,
        ("pkg/volume/csi/csi_attacher.go", "staging/src/k8s.io/api/storage/v1/types.go")),
    Followup(
        23, "PLEG: what is it, and what does \"PLEG is not healthy\" mean?",
        "PLEG 是什么？\"PLEG is not healthy\" 是怎么回事？会导致什么？EventedPLEG 呢？",
        "PLEG is the kubelet's pod lifecycle event generator. The generic PLEG relists all Pods and containers "
        "from the runtime every second, compares with its last view and emits events such as ContainerStarted "
        "and ContainerDied to the sync loop, which then syncs that Pod, for example restarting a crashed "
        "container. It is healthy only if a relist finished within the last three minutes; a slow or hung "
        "runtime, or very many changed Pods, breaks that and the node turns NotReady. EventedPLEG, taking "
        "events from the runtime instead, is still alpha and off.",
        "The PLEG threshold is 3 seconds, or PLEG runs the probes.",
        demo_container_exit,
        ("pkg/kubelet/pleg/generic.go", "pkg/kubelet/kubelet.go", "FG/EventedPLEG")),
    Followup(
        24, "The kubelet is down (or the node is cut off): what happens to its Pods?",
        "某个节点的 kubelet 挂了或者断网，上面的 Pod 会怎样？多久会在别的节点重建？",
        "The kubelet renews its Lease every 10 seconds. After the node-monitor-grace-period, 50 seconds since "
        "1.32, with no renewal, the node lifecycle controller sets Ready to Unknown, marks its Pods not ready so "
        "they leave Service endpoints, and taints the node unreachable NoExecute. Every Pod was given a "
        "toleration for that taint with tolerationSeconds 300 by admission, so about five minutes later the "
        "taint eviction controller deletes it and the ReplicaSet creates a new Pod elsewhere, with a new name "
        "and IP. Meanwhile the containers may still be running.",
        "Rescheduled after 40 seconds, or the Pod moves to another node.",
        demo_kubelet_down,
        ("pkg/controller/nodelifecycle/config/v1alpha1/defaults.go",
         "plugin/pkg/admission/defaulttolerationseconds/admission.go")),
    Followup(
        25, "Readiness vs liveness vs startup probes",
        "三种探针有什么区别？默认参数是多少？探针失败分别会怎样？",
        "All three default to a period of 10 seconds, a timeout of 1 second, success threshold 1 and failure "
        "threshold 3. Readiness decides whether the Pod receives traffic: when it fails the container is not "
        "ready, the Pod leaves the EndpointSlice as not ready, and nothing is restarted. Liveness decides whether "
        "the container is alive: after three failures the kubelet kills it and restarts it with back-off. A "
        "startup probe holds the other two back until it passes, for slow starters. Rollouts count a Pod only "
        "once it is ready.",
        "A failing readiness probe restarts the container, or liveness should check the database.",
        demo_probes,
        ("pkg/apis/core/v1/defaults.go", "pkg/kubelet/prober/worker.go")),
    Followup(
        26, "Init containers and native sidecars",
        "init 容器和 sidecar 有什么区别？原生 sidecar（initContainers 里 restartPolicy: Always）哪个版本 GA？启动和退出顺序？",
        "Init containers run one at a time, each to a successful exit, before the app containers start; a "
        "failing one is retried with back-off, or fails the Pod under restartPolicy Never. A native sidecar is an "
        "init container with restartPolicy Always: it starts in order, the next one starts as soon as it is "
        "running, and it keeps running beside the app and is restarted if it exits. Native sidecars went GA in "
        "1.33. On termination the sidecars are stopped after the regular containers, in reverse order.",
        "A sidecar is any second entry in containers, or native sidecars went GA in 1.28.",
        demo_init_and_sidecar,
        ("staging/src/k8s.io/api/core/v1/types.go", "https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/")),
    Followup(
        27, "Requests vs limits, QoS classes, OOM and eviction",
        "requests 和 limits 的区别？QoS 有哪三类，怎么判定？内存超限会怎样？节点内存不够先驱逐谁？",
        "The scheduler reserves by requests; limits are enforced by cgroups on the node. CPU over its limit is "
        "throttled, memory over its limit is OOM-killed, reason OOMKilled. QoS class follows from the spec: "
        "Guaranteed when every container has CPU and memory limits equal to requests, BestEffort when nothing "
        "is set, Burstable otherwise. Under node memory pressure the kubelet evicts Pods using more than their "
        "request first, then by lower priority, then by usage above request; the QoS order falls out of that "
        "rule rather than being the rule.",
        "Eviction goes strictly by QoS class, the scheduler reserves limits, or CPU over limit gets killed.",
        demo_requests_and_qos,
        ("pkg/apis/core/v1/helper/qos/qos.go", "pkg/kubelet/eviction/helpers.go", "pkg/kubelet/qos/policy.go")),
    Followup(
        33, "Graceful termination order",
        "删除 Pod 时具体发生了什么？preStop、SIGTERM、SIGKILL 的顺序和时间怎么算？",
        "A DELETE sets deletionTimestamp and a grace period, by default terminationGracePeriodSeconds, 30. The "
        "kubelet then kills each container: it records Killing, runs the preStop hook first, and the hook's time "
        "comes out of the grace period. Then the runtime's StopContainer sends the image's stop signal, SIGTERM "
        "unless the image says otherwise, nginx uses SIGQUIT, with whatever grace is left, at least two seconds, "
        "and SIGKILL at the deadline. Containers stop in parallel, not in spec order; sidecars stop last.",
        "SIGTERM first then preStop, or preStop time is added on top of the grace period.",
        demo_termination,
        ("pkg/kubelet/kuberuntime/kuberuntime_container.go",
         "staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go")),
]
