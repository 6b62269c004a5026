"""Streamable HTTP, server side: the checks of a POSTed message and the error answers
(layer 3), used by ``_server.streamable_http``.

A POSTed value that is not JSON-RPC 2.0, a batch where the revision has none, and a
2026-07-28 request whose headers disagree with its body (SEP-2243) are refused here with
an HTTP status and a JSON-RPC error naming what was expected and what arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.methods import BATCH_REVISIONS, lookup
from .._errors import HEADER_MISMATCH, INVALID_PARAMS
from .._io.httpserver import Responder
from .._server.streamable_session import JSON_CT
from .._wire.paramheaders import InvalidToolHeaders, check_params, param_headers
from .._wire.streamable import _Peek, _PeekParams, decode_header_value

if TYPE_CHECKING:
    from .._server.server import Server

# The request methods whose Mcp-Name header mirrors a params field (SEP-2243, SEP-2663).
_NAMED: Final = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "task_id",
    "tasks/update": "task_id",
    "tasks/cancel": "task_id",
}

SESSION_NOT_FOUND: Final = -32001  # the Python/TS SDKs' code for an unknown session id
# handshake-era versions before this one had no MCP-Protocol-Version header: assume it.
ASSUMED_VERSION: Final = "2025-03-26"


def check_new_era(msg: _Peek, params: _PeekParams, hver: str | None) -> tuple[int, str] | None:
    """2026-07-28 streamable-http.mdx "Server Validation" (SEP-2243); ``params`` is the
    peek of ``msg.params``, made once by the caller."""
    if msg.id is UNSET:
        return None  # notifications: header rules not defined by this revision
    meta = params.meta or {}
    mver = meta.get(t.META_PROTOCOL_VERSION)
    if mver is None:
        return INVALID_PARAMS, (
            f'Invalid params: _meta "{t.META_PROTOCOL_VERSION}" is required in 2026-07-28'
        )
    if hver is None:
        return HEADER_MISMATCH, "Header mismatch: the MCP-Protocol-Version header is missing"
    if mver != hver:
        return HEADER_MISMATCH, (
            f"Header mismatch: MCP-Protocol-Version header {hver!r} does not match body "
            f"_meta protocolVersion {mver!r}"
        )
    return None


def check_method_headers(
    server: Server, headers: Any, msg: _Peek, params: _PeekParams
) -> tuple[int, str] | None:
    hmethod = headers.get(b"mcp-method")
    if hmethod is None:
        return HEADER_MISMATCH, "Header mismatch: the Mcp-Method header is missing"
    if hmethod.decode("latin-1") != msg.method:
        return HEADER_MISMATCH, (
            f"Header mismatch: Mcp-Method header value {hmethod.decode('latin-1')!r} "
            f"does not match body value {msg.method!r}"
        )
    if msg.method in _NAMED:
        # SEP-2663 "Routing Headers": tasks/* carry Mcp-Name = params.taskId.
        want = getattr(params, _NAMED[msg.method])
        hname = headers.get(b"mcp-name")
        if hname is None:
            return HEADER_MISMATCH, f"Header mismatch: Mcp-Name is required for {msg.method}"
        got = decode_header_value(hname.decode("latin-1"))
        if got is None:
            return HEADER_MISMATCH, "Header mismatch: Mcp-Name has a malformed base64 value"
        if got != want:
            return HEADER_MISMATCH, (
                f"Header mismatch: Mcp-Name header value {got!r} does not match body value {want!r}"
            )
        if msg.method == "tools/call" and isinstance(want, str):
            problem = _check_param_headers(server, headers, want, msg)
            if problem is not None:
                return HEADER_MISMATCH, f"Header mismatch: {problem}"
    return None


def _check_param_headers(server: Server, headers: Any, tool: str, msg: _Peek) -> str | None:
    """SEP-2243: ``Mcp-Param-*`` headers must mirror the x-mcp-header arguments."""
    schema = server.input_schema_of(tool)
    if schema is None:
        return None  # unknown tool: tools/call itself answers
    try:
        wanted = param_headers(schema)
    except InvalidToolHeaders:
        return None  # the tool's annotations are invalid: nothing to compare
    if not wanted:
        return None
    try:
        params = msgspec.json.decode(msg.params) if msg.params is not UNSET else {}
    except msgspec.DecodeError:
        return None
    arguments = params.get("arguments") if isinstance(params, dict) else None

    def get(name: str) -> str | None:
        value = headers.get(name.encode("latin-1"))
        return None if value is None else str(value.decode("latin-1"))

    return check_params(get, wanted, arguments)


def _envelope_problem(msg: _Peek) -> str | None:
    """Why a POSTed value is not a JSON-RPC 2.0 message, or None.  The 2025-11-25 transport:
    "If the server cannot accept the input, it MUST return an HTTP error status code"."""
    if msg.jsonrpc != rpc.JSONRPC_VERSION:
        got = "nothing" if msg.jsonrpc is UNSET else msgspec.json.encode(msg.jsonrpc).decode()
        return f'Invalid Request: expected "jsonrpc": "2.0", got {got[:100]}'
    if msg.method is UNSET and msg.result is UNSET and msg.error is UNSET:
        return "Invalid Request: expected a JSON-RPC request, notification or response"
    return None


def _batch_problem(version: str | None) -> str | None:
    """A JSON-RPC batch is a message only in 2025-03-26 (2025-06-18 removed batching)."""
    if version in BATCH_REVISIONS:
        return None
    return (
        f"Invalid Request: JSON-RPC batches are not supported in protocol version "
        f"{version or '(not negotiated)'} (only in {', '.join(sorted(BATCH_REVISIONS))})"
    )


def _refused_notification(method: Any, version: str | None) -> str | None:
    spec = lookup(method) if isinstance(method, str) else None
    if spec is None or version is None:
        return None
    if not spec.exists_in(version):
        return f"{spec.absent_reason(version)}; this request speaks {version}"
    if not spec.sent_by("client", version):
        return f"a client does not send {method} in protocol version {version}"
    return None


def _show(value: bytes | None) -> str:
    return "nothing" if value is None else repr(value.decode("latin-1")[:100])


def _error(
    responder: Responder,
    status: int,
    code: int,
    message: str,
    *,
    id: Any = None,
    data: Any = UNSET,
) -> None | Awaitable[None]:  # so handlers can `return _error(...)`
    responder.respond(status, [JSON_CT], rpc.encode_error(id, code, message, data))
    return None


def _text(responder: Responder, status: int, message: str) -> None | Awaitable[None]:
    responder.respond(
        status, [(b"content-type", b"text/plain; charset=utf-8")], (message + "\n").encode()
    )
    return None
