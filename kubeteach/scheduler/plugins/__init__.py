"""The v1.35 default plugins (pkg/scheduler/framework/plugins), one module per Go plugin package; `registry`
lists them in the order default_plugins.go does.

Each plugin has the extension points it has in Kubernetes: pre_filter / filter (Status), pre_score (Status; Skip
drops the plugin from Score), score (an int, with the arithmetic as text), normalize. Volume limit and zone plugins
are not modelled; DynamicResources only as the PostFilter answer (dynamicresources.py); DefaultPreemption, the
other PostFilter, is defaultpreemption.py over the Evaluator in ../preemption.py.
"""

from ...objects import tolerates
from ..framework import SUCCESS, CycleState, Plugin
from .imagelocality import ImageLocality, normalized_image_name
from .interpodaffinity import InterPodAffinity
from .nodeaffinity import NodeAffinity
from .nodename import NodeName
from .nodeports import NodePorts
from .noderesources import NodeResourcesBalancedAllocation, NodeResourcesFit, least_requested_score
from .nodeunschedulable import NodeUnschedulable
from .podtopologyspread import PodTopologySpread
from .registry import default_plugins
from .tainttoleration import TaintToleration
from .volumebinding import VolumeBinding

__all__ = ["SUCCESS", "CycleState", "ImageLocality", "InterPodAffinity", "NodeAffinity", "NodeName", "NodePorts",
           "NodeResourcesBalancedAllocation", "NodeResourcesFit", "NodeUnschedulable", "Plugin", "PodTopologySpread",
           "TaintToleration", "VolumeBinding", "default_plugins", "least_requested_score", "normalized_image_name",
           "tolerates"]
