"""NodePorts (pkg/scheduler/framework/plugins/nodeports)."""

from __future__ import annotations

from ..cache import NodeInfo, host_ports, ports_conflict
from ..framework import PASS, SKIP, UNSCHEDULABLE, CycleState, Plugin, Status

ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"


class NodePorts(Plugin):
    """Rejects nodes where a requested hostPort is already taken."""

    name = "NodePorts"

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        state.values["ports"] = host_ports(pod)
        return Status() if state.values["ports"] else Status(SKIP, plugin=self.name)

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        for ip, protocol, port in state.values["ports"]:
            if ports_conflict(ni.used_ports, ip, protocol, port):
                return self.fail(UNSCHEDULABLE, ERR_NODE_PORTS, why="host-port", port=port, protocol=protocol)
        return PASS
