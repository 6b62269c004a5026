"""mcplite: a small, fast, asyncio-native Model Context Protocol SDK."""

import importlib
from typing import TYPE_CHECKING, Any

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
    ClientCapabilityError,
    ConnectError,
    ConnectionClosed,
    ErrorCode,
    HTTPStatusError,
    LocalProtocolError,
    MCPError,
    ProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    ResourceNotFound,
    RPCError,
    SessionExpired,
    ToolError,
    TransportError,
)
from ._io.session import Session as Session  # 0.1 name; not in __all__ (issue 12)
from ._io.transport import LoggingTransport, MemoryTransport, Transport, memory_pair
from ._server.context import Context
from ._server.server import Server
from ._server.subscriptions import ChangeEvent, MemoryBus, SubscriptionBus
from ._server.tasks import MemoryTaskStore, TaskRecord, TaskStore, TaskStoreFull

if TYPE_CHECKING:
    from ._auth.bearer import TokenInfo
    from ._client.client import Client
    from ._client.connect import connect
    from ._client.group import GroupClient
    from ._client.httpauth import HTTPAuth
    from ._client.oauth import OAuthClient
    from ._client.oauth_grants import (
        AuthorizationCode,
        ClientCredentials,
        EnterpriseManaged,
        InMemoryTokenStorage,
        JWTBearer,
        TokenStorage,
    )
    from ._client.oauth_loopback import LoopbackRedirect
    from ._core.mcpservers import ConfigError
    from ._gateway.proxy import ProxyServer, proxy
    from ._server.asgi import asgi_app
    from ._server.bearer import (
        BearerAuth as BearerAuth,
        InvalidTokenError,
        ProtectedResourceMetadata,
        RequireBearerToken,
        StaticTokenVerifier,
        TokenVerifier,
    )
    from ._server.media import Audio, File, Image
    from ._server.redis_store import RedisStore
    from ._server.store import MemoryStore, Store, StoreUnavailable
    from ._server.streamable_run import StreamableHTTPServer, serve_http
    from ._server.verifiers import IntrospectionTokenVerifier, JWTVerifier

# Imported on first use (PEP 562) so ``import mcplite`` stays light: a stdio server never
# loads the client, auth, OAuth or HTTP modules (cold start), and a client loads no auth.
_LAZY = {
    "BearerAuth": "._server.bearer",
    "Client": "._client.client",
    "IntrospectionTokenVerifier": "._server.verifiers",
    "InvalidTokenError": "._server.bearer",
    "JWTVerifier": "._server.verifiers",
    "ProtectedResourceMetadata": "._server.bearer",
    "RequireBearerToken": "._server.bearer",
    "StaticTokenVerifier": "._server.bearer",
    "TokenInfo": "._auth.bearer",
    "TokenVerifier": "._server.bearer",
    "connect": "._client.connect",
    "GroupClient": "._client.group",
    "ConfigError": "._core.mcpservers",
    "Audio": "._server.media",
    "File": "._server.media",
    "Image": "._server.media",
    "AuthorizationCode": "._client.oauth_grants",
    "ClientCredentials": "._client.oauth_grants",
    "EnterpriseManaged": "._client.oauth_grants",
    "HTTPAuth": "._client.httpauth",
    "InMemoryTokenStorage": "._client.oauth_grants",
    "JWTBearer": "._client.oauth_grants",
    "LoopbackRedirect": "._client.oauth_loopback",
    "OAuthClient": "._client.oauth",
    "ProxyServer": "._gateway.proxy",
    "proxy": "._gateway.proxy",
    "StreamableHTTPServer": "._server.streamable_run",
    "TokenStorage": "._client.oauth_grants",
    "asgi_app": "._server.asgi",
    "serve_http": "._server.streamable_run",
    "MemoryStore": "._server.store",
    "RedisStore": "._server.redis_store",
    "Store": "._server.store",
    "StoreUnavailable": "._server.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.2.0"

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
    "Audio",
    "AuthError",
    "AuthorizationCode",
    "ChangeEvent",
    "Client",
    "ClientCapabilityError",
    "ClientCredentials",
    "ConfigError",
    "ConnectError",
    "ConnectionClosed",
    "Context",
    "EnterpriseManaged",
    "ErrorCode",
    "File",
    "GroupClient",
    "HTTPAuth",
    "HTTPStatusError",
    "Image",
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
    "MemoryStore",
    "MemoryTaskStore",
    "MemoryTransport",
    "OAuthClient",
    "ProtectedResourceMetadata",
    "ProtocolError",
    "ProxyServer",
    "RPCError",
    "RedisStore",
    "RemoteProtocolError",
    "RequestTimeout",
    "RequireBearerToken",
    "ResourceNotFound",
    "Server",
    "SessionExpired",
    "StaticTokenVerifier",
    "Store",
    "StoreUnavailable",
    "StreamableHTTPServer",
    "SubscriptionBus",
    "TaskRecord",
    "TaskStore",
    "TaskStoreFull",
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
    "proxy",
    "serve_http",
]
