"""VolumeBinding (pkg/scheduler/framework/plugins/volumebinding)."""

from __future__ import annotations

from typing import Any

from ..cache import NodeInfo
from ..framework import PASS, SKIP, UNRESOLVABLE, CycleState, Plugin, Status
from .helper import term_matches

ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ERR_PV_NODE_AFFINITY = "node(s) didn't match PersistentVolume's node affinity"
ERR_PV_MISSING = "pvc(s) bound to non-existent pv(s)"


class VolumeBinding(Plugin):
    """PreFilter: every PVC exists, is not being deleted, and an Immediate-mode PVC is already bound.
    Filter: a bound PV's node affinity admits the node. WaitForFirstConsumer claims pass (provisioning is
    assumed to follow the chosen node; PreBind's selected-node annotation is not written)."""

    name = "VolumeBinding"

    def __init__(self, pvcs: Any, pvs: Any, classes: Any):
        self.pvcs, self.pvs, self.classes = pvcs, pvs, classes

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        ns = pod["metadata"]["namespace"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"].get("volumes") or []
                  if v.get("persistentVolumeClaim")]
        if not claims:
            return Status(SKIP, plugin=self.name)
        bound, unbound_immediate = [], []
        for name in claims:
            pvc = self.pvcs.get(f"{ns}/{name}")
            if pvc is None:
                return self.fail(UNRESOLVABLE, f'persistentvolumeclaim "{name}" not found')
            if pvc["metadata"].get("deletionTimestamp"):
                return self.fail(UNRESOLVABLE, f'persistentvolumeclaim "{name}" is being deleted')
            if pvc["spec"].get("volumeName"):
                bound.append(pvc)
                continue
            cls = self.classes.get(pvc["spec"].get("storageClassName") or "")
            if not cls or cls.get("volumeBindingMode", "Immediate") != "WaitForFirstConsumer":
                unbound_immediate.append(name)
        if unbound_immediate:
            return self.fail(UNRESOLVABLE, ERR_UNBOUND_IMMEDIATE, why="unbound-claims", claims=unbound_immediate)
        state.values["bound_pvcs"] = bound
        return Status()

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        for pvc in state.values.get("bound_pvcs", []):
            pv = self.pvs.get(pvc["spec"]["volumeName"])
            if pv is None:
                return self.fail(UNRESOLVABLE, ERR_PV_MISSING)
            required = ((pv["spec"].get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")
            if required and not any(term_matches(t, ni.node or {}) for t in required):
                return self.fail(UNRESOLVABLE, ERR_PV_NODE_AFFINITY, why="pv-node-affinity",
                                 pv=pv["metadata"]["name"])
        return PASS
