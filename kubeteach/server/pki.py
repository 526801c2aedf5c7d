"""The served CA's policy: a CA derived from the seed is forgeable by anyone who knows the seed, so it may serve
loopback addresses only (checked by `kubeteach serve` before it builds the cluster, and by `Server` before it binds
its serving certificate).
"""

from __future__ import annotations

import ipaddress

from ..apiserver.authentication import CertificateAuthority


def is_loopback(address: str) -> bool:
    """Whether a listen address reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refuse_seeded_ca_off_loopback(ca: CertificateAuthority, address: str) -> None:
    """ValueError if a CA derived from the seed (forgeable by anyone who knows the seed) would serve a non-loopback
    address."""
    if ca.seeded and not is_loopback(address):
        raise ValueError(
            f"refusing to serve on {address or '0.0.0.0'}: the cluster CA is derived from the seed ({ca.seed}), so "
            "anyone who knows the seed can forge its client certificates and tokens; serve a seed-derived CA on "
            "127.0.0.1 only, or give the cluster a CA of its own (kubeteach serve without --seeded-ca; in Python, "
            "Cluster(ca=ClusterDirectory(dir).ca(), tokens=ClusterDirectory(dir).tokens()))")


__all__ = ["is_loopback", "refuse_seeded_ca_off_loopback"]
