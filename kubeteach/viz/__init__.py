"""Pictures and tables of the simulation for notebooks: they read the core (cluster, store, trace), never change it.

Graphs are graphviz Digraphs that display as SVG, or as text when `dot` is missing; tables have `_repr_html_`
and a fixed-width `__str__` for notebook checkpoints; the rollout and traffic timelines are matplotlib Figures;
`records_html` is the grouped, folded view of trace records the Stepper shows.
"""

from .ownership import node_id, ownership_graph, parse_node_id
from .pipeline import RequestPipeline, request_pipeline
from .records import records_html
from .render import Graph, svg
from .schedtable import SchedulerTable, scheduler_table
from .sequence import sequence_diagram
from .store import EtcdView, etcd_view, object_diff, object_yaml
from .timeline import TimelineFigure, rollout_series, rollout_timeline
from .traffic import TrafficFigure, traffic_series, traffic_timeline

__all__ = ["EtcdView", "Graph", "RequestPipeline", "SchedulerTable", "TimelineFigure", "TrafficFigure", "etcd_view",
           "node_id", "object_diff", "object_yaml", "ownership_graph", "parse_node_id", "records_html", "request_pipeline",
           "rollout_series", "rollout_timeline", "scheduler_table", "sequence_diagram", "svg", "traffic_series",
           "traffic_timeline"]
