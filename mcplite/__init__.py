"""mcplite: a small, fast, asyncio-native Model Context Protocol SDK."""

from typing import TYPE_CHECKING, Any

from ._context import Context
from ._errors import (
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    PARSE_ERROR,
    RESOURCE_NOT_FOUND,
    UNSUPPORTED_PROTOCOL_VERSION,
    URL_ELICITATION_REQUIRED,
    AuthError,
    ConnectError,
    ConnectionClosed,
    HTTPStatusError,
    LocalProtocolError,
    MCPError,
    ProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    ResourceNotFound,
    RPCError,
    ToolError,
    TransportError,
)
from ._server import Server
from ._session import Session
from ._subscriptions import ChangeEvent, MemoryBus, SubscriptionBus
from ._transport import LoggingTransport, MemoryTransport, Transport, memory_pair

if TYPE_CHECKING:
    from ._asgi import asgi_app
    from ._auth import TokenInfo
    from ._auth_server import (
        BearerAuth,
        InvalidTokenError,
        ProtectedResourceMetadata,
        StaticTokenVerifier,
        TokenVerifier,
    )
    from ._auth_verifiers import IntrospectionTokenVerifier, JWTVerifier
    from ._client import Client
    from ._connect import connect
    from ._httpauth import HTTPAuth
    from ._oauth import OAuthClient
    from ._oauth_grants import (
        AuthorizationCode,
        ClientCredentials,
        EnterpriseManaged,
        InMemoryTokenStorage,
        JWTBearer,
        TokenStorage,
    )
    from ._oauth_loopback import LoopbackRedirect
    from ._streamable_run import StreamableHTTPServer, serve_http

# Imported on first use (PEP 562) so ``import mcplite`` stays light: a stdio server never
# loads the client, auth, OAuth or HTTP modules (cold start), and a client loads no auth.
_LAZY = {
    "BearerAuth": "._auth_server",
    "Client": "._client",
    "IntrospectionTokenVerifier": "._auth_verifiers",
    "InvalidTokenError": "._auth_server",
    "JWTVerifier": "._auth_verifiers",
    "ProtectedResourceMetadata": "._auth_server",
    "StaticTokenVerifier": "._auth_server",
    "TokenInfo": "._auth",
    "TokenVerifier": "._auth_server",
    "connect": "._connect",
    "AuthorizationCode": "._oauth_grants",
    "ClientCredentials": "._oauth_grants",
    "EnterpriseManaged": "._oauth_grants",
    "HTTPAuth": "._httpauth",
    "InMemoryTokenStorage": "._oauth_grants",
    "JWTBearer": "._oauth_grants",
    "LoopbackRedirect": "._oauth_loopback",
    "OAuthClient": "._oauth",
    "StreamableHTTPServer": "._streamable_run",
    "TokenStorage": "._oauth_grants",
    "asgi_app": "._asgi",
    "serve_http": "._streamable_run",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcplite' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.1.0"

__all__ = [
    "HEADER_MISMATCH",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "MISSING_REQUIRED_CLIENT_CAPABILITY",
    "PARSE_ERROR",
    "RESOURCE_NOT_FOUND",
    "UNSUPPORTED_PROTOCOL_VERSION",
    "URL_ELICITATION_REQUIRED",
    "AuthError",
    "AuthorizationCode",
    "BearerAuth",
    "ChangeEvent",
    "Client",
    "ClientCredentials",
    "ConnectError",
    "ConnectionClosed",
    "Context",
    "EnterpriseManaged",
    "HTTPAuth",
    "HTTPStatusError",
    "InMemoryTokenStorage",
    "IntrospectionTokenVerifier",
    "InvalidTokenError",
    "JWTBearer",
    "JWTVerifier",
    "LocalProtocolError",
    "LoggingTransport",
    "LoopbackRedirect",
    "MCPError",
    "MemoryBus",
    "MemoryTransport",
    "OAuthClient",
    "ProtectedResourceMetadata",
    "ProtocolError",
    "RPCError",
    "RemoteProtocolError",
    "RequestTimeout",
    "ResourceNotFound",
    "Server",
    "Session",
    "StaticTokenVerifier",
    "StreamableHTTPServer",
    "SubscriptionBus",
    "TokenInfo",
    "TokenStorage",
    "TokenVerifier",
    "ToolError",
    "Transport",
    "TransportError",
    "__version__",
    "asgi_app",
    "connect",
    "memory_pair",
    "serve_http",
]
