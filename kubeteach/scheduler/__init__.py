"""kube-scheduler: the scheduling queue, the cache, the default plugins, and the scheduling and binding cycles."""

from .framework import Decision, FitError, PluginScore, Status, num_feasible_nodes_to_find
from .scheduler import Scheduler

__all__ = ["Decision", "FitError", "PluginScore", "Scheduler", "Status", "num_feasible_nodes_to_find"]
