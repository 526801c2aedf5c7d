"""The public face: `Cluster()` is the default lesson cluster (three worker nodes, seed 0); `Cluster.from_file(path)`
reads a cluster definition shaped like `data/cluster.yaml`. It is the assembly (assembly.py: the loop, the store,
the API server, the components) with what a learner drives it by on top: kubectl, fault injection, snapshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import snapshot
from .apiserver import APIError
from .assembly import COMPONENTS, Assembly, RunResult, default_definition
from .faults import Faults
from .journal import Journaled, journaled
from .kubectl import Kubectl
from .kubectl.manifests import load_yaml
from .snapshot_files import command_files
from .traffic import Traffic


class Cluster(Assembly):
    """A simulated Kubernetes cluster on a virtual clock; every random choice comes from `seed`."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.faults = Journaled(Faults(self), self.journal, "faults")
        self.traffic = Journaled(Traffic(self), self.journal, "traffic")     # simulated clients (traffic.py)
        self._kubectl = Kubectl(self)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Cluster:
        """Build a cluster from a YAML definition (nodes, users, storage classes, images, seed, objects); read as
        kubectl reads manifests, so a YAML bomb is refused at once (ValueError `yaml: document contains ...`)."""
        return cls(definition=load_yaml(Path(path).read_text()), **overrides)

    @journaled(inputs=command_files)
    def kubectl(self, command: str, user: str | None = None) -> Any:
        """Run a kubectl command line against this cluster; returns a result with stdout, stderr, returncode."""
        return self._kubectl.run(command, user=user)

    def save(self, path: str | Path) -> None:
        """Write a snapshot: the journal of external inputs and the store's contents (see snapshot.py)."""
        snapshot.save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Cluster:
        """Rebuild a saved cluster by replaying its journal; the store must come out as it was saved."""
        return snapshot.load(cls, path)


__all__ = ["APIError", "COMPONENTS", "Cluster", "RunResult", "default_definition"]
