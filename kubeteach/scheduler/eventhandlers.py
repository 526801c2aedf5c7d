"""Helpers of the scheduler's informer event handlers (pkg/scheduler/eventhandlers.go)."""

from __future__ import annotations


def node_scheduling_property_changes(old: dict, new: dict) -> list[str]:
    """nodeSchedulingPropertiesChange: which node changes may make pods schedulable (heartbeats are not one)."""
    events = []
    if old.get("spec", {}).get("unschedulable") != new.get("spec", {}).get("unschedulable"):
        events.append("NodeSpecUnschedulableChange")
    if old.get("status", {}).get("allocatable") != new.get("status", {}).get("allocatable"):
        events.append("NodeAllocatableChange")
    if old["metadata"].get("labels") != new["metadata"].get("labels"):
        events.append("NodeLabelChange")
    if old.get("spec", {}).get("taints") != new.get("spec", {}).get("taints"):
        events.append("NodeTaintChange")
    return events
