"""Follow-ups whose demonstrations need the simulator mechanisms of part P2b (kubeteach.followups.mechanisms): the
mutating admission webhook (Q3), leader election with two kube-controller-manager replicas (Q8) and a watch that
expires with the informer relisting (Q10). The demonstration is looked up when it runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .record import Followup


def from_mechanisms(name: str) -> Callable[[], str]:
    """A demonstration that calls `kubeteach.followups.mechanisms.<name>()` (P2b's module)."""

    def demo() -> str:
        try:
            module = importlib.import_module("kubeteach.followups.mechanisms")
        except ImportError:
            module = None
        fn = getattr(module, name, None)
        if fn is None:
            return f"not available yet: kubeteach.followups.mechanisms.{name} is not in this tree"
        return fn()

    demo.__name__ = name
    demo.__doc__ = f"kubeteach.followups.mechanisms.{name}()"
    return demo


BANK = [
    Followup(
        3, "Admission webhooks and ValidatingAdmissionPolicy: what runs when?",
        "除了 webhook 还能怎么做准入校验？ValidatingAdmissionPolicy（CEL）和 webhook 有什么区别？执行顺序？",
        "Admission runs after authentication, authorization and defaulting. Mutating webhooks go first, one "
        "after another: the API server sends an AdmissionReview, applies the returned JSON patch, and runs the "
        "defaulter again. Then schema validation, then ValidatingAdmissionPolicy, CEL evaluated inside the API "
        "server with no external service, GA since 1.30 and effective only through a binding that says Deny, "
        "Warn or Audit, then validating webhooks. Webhooks default to failurePolicy Fail, so an unreachable "
        "webhook blocks matching requests.",
        "ValidatingAdmissionPolicy is just another webhook, or it runs before the mutating webhooks.",
        from_mechanisms("demo_mutating_webhook"),
        ("pkg/kubeapiserver/options/plugins.go",
         "staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go",
         "staging/src/k8s.io/api/admissionregistration/v1/types.go")),
    Followup(
        8, "Leader election for kube-controller-manager and kube-scheduler",
        "controller-manager、scheduler 多副本部署时怎么保证只有一个在干活？选主原理？几个参数的默认值？",
        "Active-passive, built on the API itself. Each replica tries to hold a Lease object, "
        "kube-system/kube-controller-manager or kube-scheduler. Acquiring and renewing are ordinary updates of "
        "holderIdentity and renewTime, guarded by resourceVersion, so only one can win. Defaults: leaseDuration 15 "
        "seconds, renewDeadline 10, retryPeriod 2. Standbys retry about every two seconds and take over only once the "
        "lease has gone unchanged for its duration, so failover takes up to about 15 seconds. A leader that "
        "cannot renew in time exits and restarts as a candidate.",
        "They elect through etcd Raft, or both replicas share the work.",
        from_mechanisms("demo_leader_election"),
        ("staging/src/k8s.io/component-base/config/v1alpha1/defaults.go",
         "staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go",
         "cmd/kube-controller-manager/app/controllermanager.go")),
    Followup(
        10, "The watch breaks: 410 Gone, relist and bookmarks",
        "watch 断了怎么续上？resourceVersion 太旧返回 410 Gone 时客户端怎么办？bookmark 有什么用？",
        "The API server's watch cache keeps a bounded window of events, and etcd compacts old revisions every "
        "five minutes. A watch that asks for a resourceVersion older than that gets 410 Gone, too old resource "
        "version. The reflector then stops the watch and relists, replacing its store, so handlers see the "
        "difference, and watches again from the new list's version. Missed events are not replayed. Bookmark "
        "events carry only a newer resourceVersion, so an idle watcher's cursor stays inside the window and a "
        "reconnect does not need a relist.",
        "The client replays the missed events from etcd, or 410 means the object was deleted.",
        from_mechanisms("demo_watch_relist"),
        ("staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go",
         "staging/src/k8s.io/client-go/tools/cache/reflector.go",
         "staging/src/k8s.io/apiserver/pkg/storage/storagebackend/config.go")),
]
