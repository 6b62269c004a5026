"""Streamable HTTP, server side: the POST checks that need the server, and the error
answers (layer 3), used by ``_server.streamable_http``.

The checks that need only the request are ``_wire/streamable.plan_post``'s.  Here: a
2026-07-28 request whose Mcp-Method, Mcp-Name or Mcp-Param-* headers disagree with its
body (SEP-2243; the Mcp-Param-* set comes from the tool's schema), and a notification the
request's revision does not have.  Each is refused with an HTTP status and a JSON-RPC error
naming what was expected and what arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final

import msgspec
from msgspec import UNSET

from .._core import jsonrpc as rpc
from .._core.methods import lookup
from .._errors import HEADER_MISMATCH
from .._io.httpserver import Responder
from .._server.streamable_session import JSON_CT
from .._wire.paramheaders import InvalidToolHeaders, check_params, param_headers
from .._wire.streamable import _Peek, _PeekParams, decode_header_value

if TYPE_CHECKING:
    from .._server.handle import ServedServer

# The request methods whose Mcp-Name header mirrors a params field (SEP-2243, SEP-2663).
_NAMED: Final = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "task_id",
    "tasks/update": "task_id",
    "tasks/cancel": "task_id",
}


def check_method_headers(
    server: ServedServer, headers: Any, msg: _Peek, params: _PeekParams
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


def _check_param_headers(server: ServedServer, headers: Any, tool: str, msg: _Peek) -> str | None:
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


def _refused_notification(method: Any, version: str | None) -> str | None:
    spec = lookup(method) if isinstance(method, str) else None
    if spec is None or version is None:
        return None
    if not spec.exists_in(version):
        return f"{spec.absent_reason(version)}; this request speaks {version}"
    if not spec.sent_by("client", version):
        return f"a client does not send {method} in protocol version {version}"
    return None


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
