"""kube-proxy: one per node (kubeproxy.py), programming iptables rules (iptables.py) from Services and
EndpointSlices. kubeadm runs it as a DaemonSet whose pods use ServiceAccount kube-system/kube-proxy, bound to
ClusterRole system:node-proxier by ClusterRoleBinding kubeadm:node-proxier; the DaemonSet and its pods are not
simulated, only the processes and that identity.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..client import Client, Credentials
from .kubeproxy import KubeProxy, Route

SERVICE_ACCOUNT = "kube-proxy"


def start_kube_proxies(assembly: Any) -> None:
    """Start kube-proxy/<node> on every node that has none yet (switch on those that exist), after the kubelets.
    `assembly` is the wiring code's (kubeteach.assembly.Assembly): its API server, CA, loop and bootstrap stream;
    the kube-proxies themselves get only the loop and their own client."""
    token = _token(assembly)
    for node in assembly.list("nodes"):
        name = node["metadata"]["name"]
        actor = f"kube-proxy/{name}"
        if actor in assembly.started or actor in assembly.components:
            assembly.loop.start(actor)
            continue
        cidr = (assembly.definition.get("cluster") or {}).get("podCIDR", "10.244.0.0/16")
        client = Client(assembly.api, Credentials(token=token), actor)
        client.user_agent = "kube-proxy/v1.35.0 (linux/amd64)"
        assembly.started[actor] = KubeProxy(assembly.loop, client, name, cidr).start()


def _token(assembly: Any) -> str:
    """The ServiceAccount kube-system/kube-proxy (made by kubeadm if missing; UID from the aside stream) and a
    token for it, derived from the seed as the controllers' are (a random string when the CA is not the lesson's)."""
    if assembly.api.storage.read("serviceaccounts", "kube-system", SERVICE_ACCOUNT) is None:
        admin = assembly.system_client("kubernetes-admin", ("system:masters",), "kubeadm")
        with assembly._aside():
            admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                             "metadata": {"name": SERVICE_ACCOUNT, "namespace": "kube-system"}},
                         "kube-system")
    if assembly.ca.seeded:
        digest = hashlib.sha256(f"{assembly.seed}/serviceaccount/kube-system/{SERVICE_ACCOUNT}".encode()).hexdigest()
        token = digest[:6] + "." + digest[6:22]
    else:
        token = secrets.token_hex(3) + "." + secrets.token_hex(8)
    assembly.api.authn.add_service_account_token(token, "kube-system", SERVICE_ACCOUNT)
    return token


def component_rules(name: str, component: Any) -> str:
    """ComponentView.rules: a kube-proxy's iptables-save; any other component has no rules."""
    if not isinstance(component, KubeProxy):
        raise AttributeError(f"{name} is not a kube-proxy: only kube-proxy/<node> writes iptables rules "
                             "(c.inspect(\"kube-proxy/node-1\").rules)")
    return component.iptables_save()


__all__ = ["KubeProxy", "Route", "component_rules", "start_kube_proxies"]
