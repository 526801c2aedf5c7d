"""The HTTP face of the API server's self-description: the builders live in the core
(kubeteach/apiserver/discovery.py and openapi.py), where the embedded kubectl reads them too."""

from __future__ import annotations

from ..apiserver.discovery import (
    GIT_VERSION,
    SUBRESOURCES,
    api_group,
    api_groups,
    api_versions,
    get,
    resource_list,
    served_verbs,
    version,
)
from ..apiserver.openapi import openapi_v3 as openapi_document
from ..apiserver.openapi import openapi_v3_index as openapi_index

__all__ = ["GIT_VERSION", "SUBRESOURCES", "api_group", "api_groups", "api_versions", "get",
           "openapi_document", "openapi_index", "resource_list", "served_verbs", "version"]
