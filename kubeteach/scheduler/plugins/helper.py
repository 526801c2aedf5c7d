"""Node selector terms and node affinity as the plugins read them
(staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity)."""

from __future__ import annotations


def _requirement_matches(req: dict, value: str | None) -> bool:
    op, values = req.get("operator"), req.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def term_matches(term: dict | None, node: dict) -> bool:
    """A NodeSelectorTerm: every matchExpression (labels) and matchField (metadata.name) holds; empty matches
    nothing."""
    term = term or {}
    exprs, fields_ = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields_:
        return False
    labels = node["metadata"].get("labels") or {}
    return all(_requirement_matches(r, labels.get(r.get("key"))) for r in exprs) and \
        all(r.get("key") == "metadata.name" and _requirement_matches(r, node["metadata"]["name"]) for r in fields_)


def node_affinity(pod: dict) -> dict:
    return ((pod["spec"].get("affinity") or {}).get("nodeAffinity")) or {}
