"""Exception hierarchy and named JSON-RPC / MCP error codes (DESIGN.md §7).

Layer 0: stdlib only.  Every error says who is at fault: ``Local*`` means we (or the
caller) broke a rule, ``Remote*`` means the peer did.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Final


class ErrorCode(IntEnum):
    """Every JSON-RPC error code mcplite sends or recognises, by its spec name.

    An ``IntEnum``: members compare equal to, encode as and format as plain ints, so the
    wire is unchanged; the module-level constants below are aliases of the members.
    """

    # JSON-RPC 2.0 §5.1
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    # MCP, revisions <= 2025-11-25: resources/read of an unknown URI (2026-07-28 uses -32602).
    RESOURCE_NOT_FOUND = -32002
    # MCP 2025-11-25 client/elicitation: URL-mode elicitation required before retrying.
    URL_ELICITATION_REQUIRED = -32042
    # MCP 2026-07-28 schema.ts "error codes".
    HEADER_MISMATCH = -32020
    MISSING_REQUIRED_CLIENT_CAPABILITY = -32021
    UNSUPPORTED_PROTOCOL_VERSION = -32022
    # Implementation-defined range -32000..-32019.  REQUEST_CANCELLED: the request was
    # cancelled before an answer could be sent; SESSION_NOT_FOUND: the code the Python and
    # TypeScript SDKs send (with HTTP 404) for an unknown or foreign Mcp-Session-Id.
    REQUEST_CANCELLED = -32000
    SESSION_NOT_FOUND = -32001
    REQUEST_TIMEOUT = -32003


PARSE_ERROR: Final = ErrorCode.PARSE_ERROR
INVALID_REQUEST: Final = ErrorCode.INVALID_REQUEST
METHOD_NOT_FOUND: Final = ErrorCode.METHOD_NOT_FOUND
INVALID_PARAMS: Final = ErrorCode.INVALID_PARAMS
INTERNAL_ERROR: Final = ErrorCode.INTERNAL_ERROR
RESOURCE_NOT_FOUND: Final = ErrorCode.RESOURCE_NOT_FOUND
URL_ELICITATION_REQUIRED: Final = ErrorCode.URL_ELICITATION_REQUIRED
HEADER_MISMATCH: Final = ErrorCode.HEADER_MISMATCH
MISSING_REQUIRED_CLIENT_CAPABILITY: Final = ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY
UNSUPPORTED_PROTOCOL_VERSION: Final = ErrorCode.UNSUPPORTED_PROTOCOL_VERSION
REQUEST_CANCELLED: Final = ErrorCode.REQUEST_CANCELLED
SESSION_NOT_FOUND: Final = ErrorCode.SESSION_NOT_FOUND
REQUEST_TIMEOUT: Final = ErrorCode.REQUEST_TIMEOUT


class MCPError(Exception):
    """Base of every exception mcplite raises on purpose."""


class ProtocolError(MCPError):
    """A protocol rule was broken; ``code`` is the JSON-RPC code to answer with."""

    def __init__(self, message: str, code: int = INVALID_REQUEST, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data


class LocalProtocolError(ProtocolError):
    """We, or the code calling us, broke a protocol rule."""


class RemoteProtocolError(ProtocolError):
    """The peer broke a protocol rule (bad JSON, bad envelope, bad HTTP, ...)."""


class RPCError(MCPError):
    """The peer answered a request with a JSON-RPC error object.

    Raise it from a handler to answer with exactly this code/message/data.
    """

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        self.message = message
        self.data = data


class ClientCapabilityError(RPCError):
    """A handler asked its client for input the client cannot take: a capability (or
    mode) it did not declare, or no back-channel at all.  Uncaught, the request is answered
    with this error: -32021 in 2026-07-28, -32600 before (-32021 does not exist there)."""


class TransportError(MCPError):
    """The transport failed to move bytes."""


class ConnectError(TransportError):
    """Could not connect to, or spawn, the peer."""


class ConnectionClosed(TransportError):
    """The connection closed while we still needed it."""


class HTTPStatusError(TransportError):
    """An HTTP peer answered with an unexpected status."""

    def __init__(self, status: int, message: str, body: bytes = b"") -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


class AuthError(HTTPStatusError):
    """401/403 from a protected HTTP server."""


class SessionExpired(HTTPStatusError):
    """404 to a request that carried an ``MCP-Session-Id``: the server has ended or forgotten
    the session.  The Client starts a new one and sends the request again, once
    (2025-11-25 basic/transports, Session Management); a second 404 reaches the caller."""


class RequestTimeout(MCPError, TimeoutError):
    """No answer arrived within the request timeout."""


class ToolError(MCPError):
    """Raised inside a tool: becomes ``CallToolResult(is_error=True)`` with this text."""


class ResourceNotFound(MCPError):
    """Raise from a resource handler to answer "resource not found" for ``uri``.

    The code follows the request's era: -32002 up to 2025-11-25 (server/resources.mdx
    "Error Handling"), -32602 in 2026-07-28 (SEP-2164); ``data`` is ``{"uri": uri}``.
    """

    def __init__(self, uri: str) -> None:
        super().__init__(f"Resource not found: {uri}")
        self.uri = uri
