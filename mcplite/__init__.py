"""mcplite: a small, fast, asyncio-native Model Context Protocol SDK."""

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
from ._context import Context
from ._errors import (
    AuthError,
    ConnectError,
    ConnectionClosed,
    HTTPStatusError,
    LocalProtocolError,
    MCPError,
    ProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
    ToolError,
    TransportError,
)
from ._server import Server
from ._session import Session
from ._transport import MemoryTransport, Transport, memory_pair

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "BearerAuth",
    "Client",
    "ConnectError",
    "ConnectionClosed",
    "Context",
    "HTTPStatusError",
    "IntrospectionTokenVerifier",
    "InvalidTokenError",
    "JWTVerifier",
    "LocalProtocolError",
    "MCPError",
    "MemoryTransport",
    "ProtectedResourceMetadata",
    "ProtocolError",
    "RPCError",
    "RemoteProtocolError",
    "RequestTimeout",
    "Server",
    "Session",
    "StaticTokenVerifier",
    "TokenInfo",
    "TokenVerifier",
    "ToolError",
    "Transport",
    "TransportError",
    "__version__",
    "connect",
    "memory_pair",
]
