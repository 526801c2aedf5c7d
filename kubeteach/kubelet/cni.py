"""CNI host-local IPAM (containernetworking/plugins plugins/ipam/host-local/backend/allocator), one range per node.

The range is the node's spec.podCIDR: rangeStart = subnet+1, rangeEnd = broadcast-1, gateway = subnet+1. The
iterator skips the gateway, so the first pod gets .2; allocation continues round-robin from the last reserved
address and wraps around; DEL releases the address (host-local keeps one file per IP under
/var/lib/cni/networks/<network>/, holding "containerID\\r\\nifname").
"""

from __future__ import annotations

import ipaddress

NETWORK = "cbr0"
PLUGIN = "bridge"


class CNIError(Exception):
    """A CNI plugin failure, with the text the plugin returns."""


class HostLocal:
    """The host-local allocator for one range set of one range (range id 0)."""

    def __init__(self, subnet: str):
        self.subnet = ipaddress.ip_network(subnet)
        if self.subnet.prefixlen > self.subnet.max_prefixlen - 2:
            raise CNIError(f"Network {subnet} too small to allocate from")
        self.gateway = self.subnet.network_address + 1
        self.range_start = self.subnet.network_address + 1
        self.range_end = self.subnet.broadcast_address - 1
        self.reserved: dict[str, tuple[str, str]] = {}     # ip -> (containerID, ifname)
        self.last_reserved: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None

    def range_set(self) -> str:
        """RangeSet.String(): `10.244.1.1-10.244.1.254`."""
        return f"{self.range_start}-{self.range_end}"

    def add(self, container_id: str, ifname: str = "eth0") -> str:
        """CNI ADD: reserve the next free address after the last reserved one (round-robin); returns it."""
        for ip in self._iterate():
            key = str(ip)
            if key not in self.reserved:
                self.reserved[key] = (container_id, ifname)
                self.last_reserved = ip
                return key
        raise CNIError(f"failed to allocate for range 0: no IP addresses available in range set: "
                       f"{self.range_set()}")

    def delete(self, container_id: str, ifname: str = "eth0") -> list[str]:
        """CNI DEL: release every address this container's interface holds (ReleaseByID)."""
        freed = sorted((ip for ip, owner in self.reserved.items() if owner == (container_id, ifname)),
                       key=ipaddress.ip_address)
        for ip in freed:
            del self.reserved[ip]
        return freed

    def exhaust(self, owner: str) -> int:
        """Reserve every free address for `owner` (a fault: leaked reservations); returns how many."""
        n = 0
        for ip in self._iterate():
            if str(ip) not in self.reserved:
                self.reserved[str(ip)] = (owner, "eth0")
                n += 1
        return n

    def free(self) -> int:
        """How many addresses are still free (the gateway excluded)."""
        total = int(self.range_end) - int(self.range_start) + 1 - 1
        return total - len(self.reserved)

    def _iterate(self):
        """RangeIter: from last_reserved+1 (or rangeStart), wrapping once around the range, skipping the gateway."""
        start, end = int(self.range_start), int(self.range_end)
        size = end - start + 1
        last = self.last_reserved
        first = int(last) + 1 if last is not None and start <= int(last) <= end else start
        for i in range(size):
            value = start + (first - start + i) % size
            ip = ipaddress.ip_address(value)
            if ip != self.gateway:
                yield ip


def add_error(container_id: str, err: CNIError) -> str:
    """How containerd (go-cni) wraps a failed ADD, inside RunPodSandbox."""
    return (f'failed to setup network for sandbox "{container_id}": plugin type="{PLUGIN}" name="{NETWORK}" '
            f"failed (add): {err}")
