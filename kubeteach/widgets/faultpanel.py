"""The FaultPanel: buttons for `cluster.faults`, with pod, node and image pickers, and what the fault did."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..apiserver import APIError
from ..cluster import Cluster
from .common import Follows, pre

#: button label -> (method of cluster.faults, the picker that gives its argument, the argument's keyword or None
#: when it is the first positional one)
FAULTS: dict[str, tuple[str, str, str | None]] = {
    "Kill pod": ("kill_pod", "pod", None),
    "Crash container": ("crash_container", "pod", None),
    "Fail node": ("fail_node", "node", None),
    "Recover node": ("recover_node", "node", None),
    "Exhaust IPs": ("exhaust_ips", "node", None),
    "Fail CSI": ("fail_csi", "node", "node"),     # fail_csi(times=1, node=None)
    "Break image": ("break_image", "image", None),
}


class FaultPanel(w.VBox, Follows):
    """One button per fault of `cluster.faults`; the result shows the trace records the fault left, or its error."""

    def __init__(self, source: Cluster | Any, namespace: str = "default"):
        self._follow(source, self.refresh)
        self.namespace = namespace
        self.pod = w.Dropdown(description="pod")
        self.node = w.Dropdown(description="node")
        self.image = w.Dropdown(description="image")
        self.buttons = {label: w.Button(description=label) for label in FAULTS}
        for label, button in self.buttons.items():
            button.on_click(lambda _, lb=label: self.inject(lb))
        self.result = w.HTML()
        self.last_result = ""
        rows = [w.HBox([picker, *(b for lb, b in self.buttons.items() if FAULTS[lb][1] == kind)])
                for kind, picker in (("pod", self.pod), ("node", self.node), ("image", self.image))]
        super().__init__([*rows, self.result])
        self.refresh()

    def inject(self, fault: str, target: str | None = None) -> str:
        """Inject one fault (a button label) on `target` (default: the picker's choice); returns the result text."""
        method, kind, keyword = FAULTS[fault]
        picker = {"pod": self.pod, "node": self.node, "image": self.image}[kind]
        target = picker.value if target is None else target
        if not target:
            text = f"error: no {kind} to {fault.lower()}"
        else:
            self._changing()
            start = len(self.cluster.trace)
            try:
                args, kwargs = ((), {keyword: target}) if keyword else ((target,), {})
                getattr(self.cluster.faults, method)(*args, **kwargs)
            except APIError as err:
                text = f"Error from server ({err.reason}): {err.message}"
            except (KeyError, ValueError) as err:
                text = f"error: {err.args[0] if err.args else err}"
            else:
                text = "\n".join(str(r) for r in self.cluster.trace[start:])
        self.last_result = text
        self.result.value = pre(text)
        self.refresh()
        self._moved()
        return text

    def refresh(self) -> None:
        """Re-read the pods, nodes and images the pickers offer (keeping each choice while it still exists)."""
        c = self.cluster
        pods = sorted(p["metadata"]["name"] for p in c.list("pods", self.namespace)
                      if not p["metadata"].get("deletionTimestamp"))
        nodes = sorted(n["metadata"]["name"] for n in c.list("nodes"))
        images = sorted(f"{name}:{tag}" for name, img in c.images.items() for tag in img.get("tags", []))
        for picker, options in ((self.pod, pods), (self.node, nodes), (self.image, images)):
            if list(picker.options) != options:
                keep = picker.value if picker.value in options else None
                picker.options = options
                picker.value = keep if keep is not None else (options[0] if options else None)

    def __repr__(self) -> str:
        return f"FaultPanel(pod={self.pod.value}, node={self.node.value}, image={self.image.value})"


__all__ = ["FaultPanel"]
