"""kube-controller-manager: controllers that watch through shared informers and reconcile one key at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..client import Client, InformerFactory, WorkQueue
from ..events import EventRecorder
from ..objects import key_of

if TYPE_CHECKING:
    from ..cluster import Cluster


class Controller:
    """The sample-controller shape: informers → work queue → `sync(key)`; subclasses set `name` and `sync`.

    Its switch is `kube-controller-manager/<name>`: `c.stop("kube-controller-manager")` stops every controller,
    `c.stop("deployment-controller")` just this one.
    """

    name = "controller"
    process = "kube-controller-manager"
    primary = ""              # the resource whose keys the queue holds; a restart requeues them all

    def __init__(self, cluster: Cluster, factory: InformerFactory):
        self.cluster, self.factory = cluster, factory
        self.client = Client(factory.client.api, factory.client.credentials, self.name)
        self.component = cluster.component(f"{self.process}/{self.name}")
        self.component.on_start = self.resync
        self.queue = WorkQueue(cluster.loop, self.component, self.name, self.sync)
        self.recorder = EventRecorder(self.client.quiet_copy(), self.name, record=self.record)

    @property
    def now(self) -> float:
        return self.cluster.loop.now

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        self.cluster.record(self.name, action, obj, **detail)

    def enqueue(self, obj: dict) -> None:
        self.queue.add(key_of(obj))

    def sync(self, key: str) -> None:
        raise NotImplementedError

    def resync(self) -> None:
        """After a restart: relist and queue every object of the primary resource, as informers would."""
        if self.primary:
            for obj in sorted(self.factory.informer(self.primary).list(), key=key_of):
                self.enqueue(obj)


class ControllerManager:
    """kube-controller-manager: one identity, one shared informer factory, the controllers it was asked to run."""

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
        "csi-provisioner": "kubeteach.controllers.provisioner:CSIProvisioner",
        "csi-attacher": "kubeteach.controllers.attachdetach:CSIAttacher",
    }

    def __init__(self, cluster: Cluster, names: list[str]):
        import importlib

        client = cluster.system_client("system:kube-controller-manager", (), "kube-controller-manager")
        self.factory = InformerFactory(client)
        self.controllers: dict[str, Controller] = {}
        for name in names:
            module, cls = self.CONTROLLERS[name].split(":")
            self.controllers[name] = getattr(importlib.import_module(module), cls)(cluster, self.factory)

    def start(self) -> None:
        self.factory.start()
