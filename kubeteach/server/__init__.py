"""The Kubernetes REST API of a simulated cluster over HTTPS (`kubeteach serve`), for the real kubectl and client
libraries: discovery, OpenAPI v3 paths, CRUD, patch, watch, subresources and Tables, all through `APIServer.handle`.
"""

from .app import Server, serve

__all__ = ["Server", "serve"]
