"""The default profile's plugins (pkg/scheduler/apis/config/v1/default_plugins.go, framework/plugins/registry.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..framework import Plugin
from .imagelocality import ImageLocality
from .interpodaffinity import InterPodAffinity
from .nodeaffinity import NodeAffinity
from .nodename import NodeName
from .nodeports import NodePorts
from .noderesources import NodeResourcesBalancedAllocation, NodeResourcesFit
from .nodeunschedulable import NodeUnschedulable
from .podtopologyspread import PodTopologySpread
from .tainttoleration import TaintToleration
from .volumebinding import VolumeBinding

if TYPE_CHECKING:
    from ..cache import Cache


def default_plugins(cache: Cache, pvcs: Any, pvs: Any, classes: Any, replicasets: Any = None
                    ) -> tuple[list[Plugin], list[Plugin]]:
    """The filter plugins and the score plugins of the default profile, each in default_plugins.go order."""
    taint, affinity, fit = TaintToleration(), NodeAffinity(), NodeResourcesFit()
    spread, inter = PodTopologySpread(cache, replicasets), InterPodAffinity()
    filters = [NodeUnschedulable(), NodeName(), taint, affinity, NodePorts(), fit,
               VolumeBinding(pvcs, pvs, classes), spread, inter]
    scores = [taint, affinity, fit, spread, inter, NodeResourcesBalancedAllocation(), ImageLocality(cache)]
    return filters, scores
