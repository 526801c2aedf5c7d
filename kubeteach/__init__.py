"""kubeteach: what happens after `kubectl create -f deployment.yaml`, simulated faithfully and deterministically.

The public face: `Cluster` (the loop, kubectl, the store, the trace), `interview_answer` (the seed's eight steps
from a cluster's own trace, to say in 1, 2 or 5 minutes or in full), `exercises` (the lessons' break-it faults by
name), `KUBERNETES_VERSION`, and the errors.
"""

from . import exercises
from .answer import interview_answer
from .apiserver import APIError
from .cluster import Cluster, RunResult
from .kubectl import KubectlError, Result
from .trace import Record, Trace
from .version import KUBERNETES_VERSION

__all__ = ["APIError", "Cluster", "KUBERNETES_VERSION", "KubectlError", "Record", "Result", "RunResult", "Trace",
           "exercises", "interview_answer"]
