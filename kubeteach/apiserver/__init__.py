"""kube-apiserver: authentication, authorization, admission, validation and storage, in that order."""

from . import narratives  # noqa: F401  (registers the trace sentences)
from .authentication import CertificateAuthority, Credentials, UserInfo
from .errors import APIError
from .handler import APIServer
from .request import Request
from .resources import RESOURCES, Resource, lookup
from .watch import Watcher

__all__ = ["APIError", "APIServer", "CertificateAuthority", "Credentials", "RESOURCES", "Request", "Resource",
           "UserInfo", "Watcher", "lookup"]
