"""DynamicResources (pkg/scheduler/framework/plugins/dynamicresources): DRA is GA and always on in v1.35, so the
plugin sits in the default profile just before DefaultPreemption. kubeteach models no ResourceClaims; what a
learner sees of the plugin is its PostFilter answer for a pod without claims, which opens the PostFilter part of
every FailedScheduling message, and the `not found` that replaces that part when an earlier PreFilter plugin
rejected the pod as unresolvable (the plugin's own PreFilter never ran, so its cycle state is missing)."""

from __future__ import annotations

from ..framework import ERROR, SKIP, UNSCHEDULABLE, CycleState, Diagnosis, Plugin, Status

#: PostFilter's answer when the pod has no ResourceClaims (`len(state.claims) == 0`)
NO_NEW_CLAIMS_TO_DEALLOCATE = "no new claims to deallocate"
#: CycleState.Read's error (framework ErrNotFound) when PreFilter never wrote the plugin's state
NOT_FOUND = "not found"


class DynamicResources(Plugin):
    """PostFilter only: no claims to deallocate, so the pod stays unschedulable and the next PostFilter runs.

    Approximation: a pod that names resourceClaims gets the same answer (claims and their allocation are not
    modelled)."""

    name = "DynamicResources"

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        """Write the (empty) claims to the cycle state, then Skip: the pod has no claims."""
        state.values[self.name] = ()
        return Status(SKIP, plugin=self.name)

    def post_filter(self, state: CycleState, pod: dict, diagnosis: Diagnosis) -> Status:
        """An Error (`not found`) without the state PreFilter writes; otherwise no claims to deallocate."""
        if self.name not in state.values:
            return Status(ERROR, (NOT_FOUND,), self.name)
        return Status(UNSCHEDULABLE, (NO_NEW_CLAIMS_TO_DEALLOCATE,), self.name)
