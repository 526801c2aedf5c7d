"""kube-controller-manager: controllers that watch through shared informers and reconcile one key at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client import Client, InformerFactory, WorkQueue
from ..events import EventRecorder
from ..objects import key_of
from ..trace import Record

if TYPE_CHECKING:
    from ..loop import Loop


@dataclass(frozen=True)
class ControllerConfig:
    """What the controllers are configured with beyond their flags: the cluster's CSI driver (`name`,
    `attachRequired`, `stageUnstage`) and the seed the CSI plugin derives volume handles from."""

    csi_driver: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def driver_name(self) -> str:
        return self.csi_driver.get("name", "hostpath.csi.k8s.io")


class Controller:
    """The sample-controller shape: informers → work queue → `sync(key)`; subclasses set `name` and `sync`.

    Built from its environment (`env`: clock, scheduling, trace, its switch), its own client, the process's
    shared informer factory and the configuration. Its switch is `kube-controller-manager/<name>`:
    `c.stop("kube-controller-manager")` stops every controller, `c.stop("deployment-controller")` just this one.
    """

    name = "controller"
    process = "kube-controller-manager"
    primary = ""              # the resource whose keys the queue holds; a restart requeues them all

    def __init__(self, env: Loop, client: Client, factory: InformerFactory, config: ControllerConfig):
        self.env, self.client, self.factory, self.config = env, client, factory, config
        self.component = env.component(f"{self.process}/{self.name}")
        self.component.on_start = self.resync
        self.queue = WorkQueue(env, self.component, self.name, self.sync)
        self.recorder = EventRecorder(self.client.quiet_copy(), self.name, record=self.record)

    @property
    def now(self) -> float:
        return self.env.now

    def record(self, action: str, obj: str = "", **detail: Any) -> Record:
        return self.env.record(self.name, action, obj, **detail)

    def nothing_to_do(self, key: str, why: str, **facts: Any) -> None:
        """End a sync that has recorded nothing with a `nothing-to-do` record of what it found (`why` names the
        phrase `nothing-to-do:<why>`); a sync that did something has its records already."""
        if not self.env.recorded():
            self.record("nothing-to-do", key, why=why, **facts)

    def enqueue(self, obj: dict) -> None:
        self.queue.add(key_of(obj))

    def sync(self, key: str) -> None:
        raise NotImplementedError

    def resync(self) -> None:
        """After a restart: relist and queue every object of the primary resource, as informers would."""
        if self.primary:
            for obj in sorted(self.factory.informer(self.primary).list(), key=key_of):
                self.enqueue(obj)


#: the service account each controller's client is built for (ClientOrDie("<sa>") in
#: cmd/kube-controller-manager/app): with --use-service-account-credentials each controller calls the API as
#: system:serviceaccount:kube-system:<sa>. The CSI sidecars are not kube-controller-manager's: they keep its client.
SERVICE_ACCOUNTS: dict[str, str] = {
    "deployment-controller": "deployment-controller",
    "replicaset-controller": "replicaset-controller",
    "garbage-collector": "generic-garbage-collector",
    "node-lifecycle-controller": "node-controller",
    "taint-eviction-controller": "node-controller",       # "taint-manager uses existing cluster role from node-controller"
    "pod-garbage-collector-controller": "pod-garbage-collector",
    "namespace-controller": "namespace-controller",
    "persistentvolume-binder-controller": "persistent-volume-binder",
    "pvc-protection-controller": "pvc-protection-controller",
    "pv-protection-controller": "pv-protection-controller",
    "attachdetach-controller": "attachdetach-controller",
    "disruption-controller": "disruption-controller",
    "endpoints-controller": "endpoint-controller",
    "endpointslice-controller": "endpointslice-controller",
}

#: (service account, actor) -> a client with that service account's credentials
ClientBuilder = Callable[[str, str], Client]


class ControllerManager:
    """kube-controller-manager: its own identity for the shared informers, one shared informer factory, and the
    controllers it was asked to run, each with a client for its service account (`client_builder`)."""

    CONTROLLERS: dict[str, str] = {
        "deployment-controller": "kubeteach.controllers.deployment:DeploymentController",
        "replicaset-controller": "kubeteach.controllers.replicaset:ReplicaSetController",
        "garbage-collector": "kubeteach.controllers.garbagecollector:GarbageCollector",
        "node-lifecycle-controller": "kubeteach.controllers.nodelifecycle:NodeLifecycleController",
        "taint-eviction-controller": "kubeteach.controllers.tainteviction:TaintEvictionController",
        "pod-garbage-collector-controller": "kubeteach.controllers.podgc:PodGCController",
        "namespace-controller": "kubeteach.controllers.namespace:NamespaceController",
        "persistentvolume-binder-controller": "kubeteach.controllers.volume:PersistentVolumeBinderController",
        "pvc-protection-controller": "kubeteach.controllers.volume:PVCProtectionController",
        "pv-protection-controller": "kubeteach.controllers.volume:PVProtectionController",
        "attachdetach-controller": "kubeteach.controllers.attachdetach:AttachDetachController",
        "disruption-controller": "kubeteach.controllers.disruption:DisruptionController",
        "endpoints-controller": "kubeteach.controllers.endpoints:EndpointsController",
        "endpointslice-controller": "kubeteach.controllers.endpointslice:EndpointSliceController",
        "csi-provisioner": "kubeteach.controllers.provisioner:CSIProvisioner",
        "csi-attacher": "kubeteach.controllers.attachdetach:CSIAttacher",
    }

    def __init__(self, env: Loop, client: Client, names: list[str], config: ControllerConfig,
                 client_builder: ClientBuilder | None = None):
        import importlib

        self.factory = InformerFactory(client)
        self.controllers: dict[str, Controller] = {}
        for name in names:
            module, cls = self.CONTROLLERS[name].split(":")
            controller_class = getattr(importlib.import_module(module), cls)
            sa = SERVICE_ACCOUNTS.get(name)
            own = client_builder(sa, controller_class.name) if client_builder and sa else \
                client.named(controller_class.name)
            self.controllers[name] = controller_class(env, own, self.factory, config)

    def start(self) -> None:
        self.factory.start()
