"""Streamable HTTP, the bytes a server peeks at before routing a POST (layer 1, pure).

Only the JSON-RPC id, method and the parts of params that routing and the 2026-07-28
header checks need (``_meta``, ``name``, ``uri``) are decoded here; the protocol core
decodes the message for real.  ``BodyPeek`` peeks a body once for everyone before the core:
the bearer middleware's per-method scopes and the app's routing read the same decode.
``plan_post`` is every check of a POST that needs nothing but its headers and body: it
answers with the refusal to send or the route to take.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Collection, Sequence
from typing import Any, Final, Literal, NamedTuple

import msgspec
from msgspec import UNSET, UnsetType

from .. import types as t
from .._core import jsonrpc as rpc, peerjson
from .._core.meta import ParamsMeta
from .._core.methods import BATCH_REVISIONS, STATELESS_REVISION
from .._errors import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from .._wire.http11_write import reason

META_KEY: Final = b'"io.modelcontextprotocol/protocolVersion"'
SENTINEL_PREFIX: Final = "=?base64?"
# Handshake-era versions before this one had no MCP-Protocol-Version header: assume it.
ASSUMED_VERSION: Final = "2025-03-26"


class _Peek(msgspec.Struct):
    """Just enough of a POSTed message to route it; the protocol decodes the rest."""

    jsonrpc: Any = UNSET
    id: int | str | None | UnsetType = UNSET
    method: str | UnsetType = UNSET
    params: msgspec.Raw | UnsetType = UNSET
    result: msgspec.Raw | UnsetType = UNSET
    error: msgspec.Raw | UnsetType = UNSET


class _PeekParams(ParamsMeta):
    """The protocol core's ``_meta`` peek plus what routes a POST (SEP-2243 Mcp-Name)."""

    name: Any = None
    uri: Any = None
    task_id: Any = msgspec.field(default=None, name="taskId")


@functools.cache
def _peek_decoder() -> msgspec.json.Decoder[_Peek | list[_Peek]]:
    return msgspec.json.Decoder(_Peek | list[_Peek])


@functools.cache
def _params_decoder() -> msgspec.json.Decoder[_PeekParams]:
    return msgspec.json.Decoder(_PeekParams)


def _params(msg: _Peek) -> _PeekParams:
    if msg.params is UNSET:
        return _PeekParams()
    try:
        return _params_decoder().decode(msg.params)
    except msgspec.DecodeError:  # params not an object: the protocol will say so
        return _PeekParams()


class BodyPeek:
    """One POST body, peeked at most once (``messages`` remembers its value or its error).

    The streamable-HTTP app makes one per POST and hands it to the bearer middleware, so an
    authenticated POST is peeked once, not once for its scopes and again for routing.
    """

    __slots__ = ("_body", "_decoded", "_error", "_max_depth")

    def __init__(self, body: bytes, max_depth: int = peerjson.DEFAULT_MAX_JSON_DEPTH) -> None:
        self._body = body
        self._max_depth = max_depth
        self._decoded: _Peek | list[_Peek] | None = None
        self._error: peerjson.InvalidJSON | msgspec.DecodeError | None = None

    def messages(self) -> _Peek | list[_Peek]:
        """The message, or the batch as a list; raises ``peerjson.InvalidJSON`` (invalid
        UTF-8, too deep) or ``msgspec.DecodeError`` (not JSON, not JSON-RPC-shaped)."""
        if self._decoded is not None:
            return self._decoded
        if self._error is not None:
            raise self._error
        try:
            peerjson.check(self._body, self._max_depth)
            self._decoded = _peek_decoder().decode(self._body)
        except (peerjson.InvalidJSON, msgspec.DecodeError) as exc:
            self._error = exc
            raise
        return self._decoded

    def methods(self) -> list[str]:
        """The ``method`` of each message (none for a body the app will refuse)."""
        try:
            decoded = self.messages()
        except (peerjson.InvalidJSON, msgspec.DecodeError):  # the MCP app answers those
            return []
        msgs = decoded if isinstance(decoded, list) else [decoded]
        return [m.method for m in msgs if isinstance(m.method, str)]


def _media(value: bytes | None, *types: bytes) -> bool:
    """Whether an Accept value lists one of ``types``.

    A missing header lists nothing: the client MUST send one (2025-03-26 and later
    basic/transports, "Sending Messages to the Server" and "Listening for Messages").
    """
    if value is None:
        return False
    value = value.lower()
    return any(t in value for t in types)


def _media_verdict(
    ctype: bytes | None, accept: bytes | None, json_response: bool
) -> PostRefusal | bool:
    """The Content-Type (415) and Accept (406) checks of a POST: the refusal, or whether
    the client takes an SSE answer (2025-11-25 basic/transports.mdx "Sending Messages to
    the Server": the Accept header MUST list application/json and text/event-stream;
    text/event-stream may be left out when the server answers JSON)."""
    if ctype is None or not ctype.lower().startswith(b"application/json"):
        return PostRefusal(
            415,
            INVALID_REQUEST,
            f"{reason(415)}: Content-Type must be application/json, got {_show(ctype)}",
        )
    can_sse = _media(accept, b"text/event-stream", b"*/*", b"text/*")
    if not _media(accept, b"application/json", b"*/*", b"application/*") or not (
        can_sse or json_response
    ):
        return PostRefusal(
            406,
            INVALID_REQUEST,
            f"{reason(406)}: Accept must list application/json and text/event-stream, "
            f"got {_show(accept)}",
        )
    return can_sse


# Verdicts remembered per (Content-Type, Accept, json_response): a bounded LRU, and only
# for short values, so a client varying long headers costs no memory (it is decided anew).
_MEDIA_CACHE_MAX_BYTES: Final = 256
_media_verdict_cached: Final = functools.lru_cache(maxsize=64)(_media_verdict)


def decode_header_value(value: str) -> str | None:
    """SEP-2243 value encoding: ``=?base64?<b64>?=`` wraps UTF-8; None if malformed."""
    if value.startswith(SENTINEL_PREFIX) and value.endswith("?="):
        try:
            return base64.b64decode(value[9:-2], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value


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


def _rid(value: Any) -> int | str | None:
    """The id to answer a refused message with: its own when it is a valid one."""
    return value if isinstance(value, (int, str)) else None


def _show(value: bytes | None) -> str:
    return "nothing" if value is None else repr(value.decode("latin-1")[:100])


class PostRefusal(NamedTuple):
    """Answer the POST with ``status`` and a JSON-RPC error (``id``: the request's, if known)."""

    status: int
    code: int
    message: str
    id: int | str | None = None
    data: Any = UNSET


class PostPlan(msgspec.Struct, frozen=True):
    """Where a POST that passed every header-and-body check goes (a Struct: built once
    per POST, in C).

    ``route``: ``"new-era"`` (2026-07-28, sessionless; the tool-specific ``Mcp-Param-*``
    checks still follow), ``"stateless"`` (a handshake-era POST on a stateless server) or
    ``"stateful"`` (to its session).  ``version`` is the MCP-Protocol-Version header (or,
    for ``"new-era"``, the revision the request speaks).  ``params``: the first message's
    params peek when one was made (always for ``"new-era"``), so it is made once.
    """

    route: Literal["new-era", "stateless", "stateful"]
    messages: list[_Peek]
    ids: list[int | str]
    can_sse: bool
    version: str | None
    batch: bool
    params: _PeekParams | None = None


def session_problem(plan: PostPlan) -> str | None:
    """Why a stateful POST without ``Mcp-Session-Id`` is refused, or None (it is the
    ``initialize`` that opens a session).  2025-11-25 basic/transports.mdx "Session
    Management": other requests without the header SHOULD get 400; 2025-03-26
    basic/lifecycle.mdx: the initialize request MUST NOT be part of a batch."""
    messages = plan.messages
    if plan.batch and any(m.method == "initialize" for m in messages):
        return "Invalid Request: initialize in a batch"
    if len(messages) != 1 or messages[0].method != "initialize" or not plan.ids:
        return f"{reason(400)}: Mcp-Session-Id header is required (send initialize first)"
    return None


def plan_post(
    get: Callable[[bytes], bytes | None],
    body: bytes,
    *,
    versions: Collection[str],
    supported: Sequence[str],
    stateless: bool,
    json_response: bool,
    max_json_depth: int,
    peek: BodyPeek | None = None,
) -> PostPlan | PostRefusal:
    """The checks of a streamable-HTTP POST, in the order the spec's error cases take them.

    ``get`` reads a (lower-case) request header.  2025-11-25 basic/transports.mdx "Sending
    Messages to the Server": Content-Type application/json (else 415), an Accept listing
    application/json and text/event-stream (406; text/event-stream may be left out when the
    server answers JSON), a JSON-RPC message or batch (400); MCP-Protocol-Version one the
    server speaks (400, "Protocol Version Header").  2026-07-28 streamable-http.mdx: no
    batches, and ``_meta`` protocolVersion must match the header (SEP-2243).  ``peek``: the
    body's peek if one was made already (the bearer middleware's), else one is made here.
    """
    ctype = get(b"content-type")
    accept = get(b"accept")
    if (
        ctype is not None
        and accept is not None
        and len(ctype) + len(accept) <= _MEDIA_CACHE_MAX_BYTES
    ):
        # A client sends the same two values on every POST: decide them once.
        media = _media_verdict_cached(ctype, accept, json_response)
    else:
        media = _media_verdict(ctype, accept, json_response)
    if media is not True and media is not False:
        return media
    can_sse = media
    try:
        decoded = (peek or BodyPeek(body, max_json_depth)).messages()
    except peerjson.InvalidJSON as exc:
        return PostRefusal(400, PARSE_ERROR, exc.message)
    except msgspec.ValidationError as exc:
        return PostRefusal(400, INVALID_REQUEST, f"Invalid Request: {exc}")
    except msgspec.DecodeError as exc:
        return PostRefusal(400, PARSE_ERROR, f"Parse error: {exc}")
    batch = type(decoded) is list
    ids: list[int | str] = []
    if not batch:
        first = decoded  # the common case: one message, checked without a loop
        assert isinstance(first, _Peek)
        messages = [first]
        mid = first.id
        if first.jsonrpc != rpc.JSONRPC_VERSION or (
            first.method is UNSET and first.result is UNSET and first.error is UNSET
        ):
            not_rpc = _envelope_problem(first)
            assert not_rpc is not None
            return PostRefusal(400, INVALID_REQUEST, not_rpc, _rid(mid))
        if first.method is not UNSET and mid is not UNSET:
            if mid is None:
                return PostRefusal(400, INVALID_REQUEST, "Invalid Request: id must not be null")
            ids.append(mid)
    else:
        assert isinstance(decoded, list)
        messages = decoded
        if not messages:
            return PostRefusal(400, INVALID_REQUEST, "Invalid Request: empty batch")
        for msg in messages:
            not_rpc = _envelope_problem(msg)
            if not_rpc is not None:
                return PostRefusal(400, INVALID_REQUEST, not_rpc, _rid(msg.id))
            if msg.method is not UNSET:
                if msg.id is None:
                    return PostRefusal(400, INVALID_REQUEST, "Invalid Request: id must not be null")
                if msg.id is not UNSET:
                    ids.append(msg.id)
        if len(set(ids)) != len(ids):
            return PostRefusal(400, INVALID_REQUEST, "Invalid Request: duplicate ids")
        first = messages[0]
    first_id = _rid(first.id)
    hver_b = get(b"mcp-protocol-version")
    hver = None if hver_b is None else hver_b.decode("latin-1")
    if hver is not None and hver not in versions:
        return PostRefusal(
            400,
            UNSUPPORTED_PROTOCOL_VERSION,
            f"{reason(400)}: unsupported MCP-Protocol-Version {hver!r}",
            first_id,
            {"supported": list(supported), "requested": hver},
        )
    new_era = hver is not None and hver >= STATELESS_REVISION
    params = None  # the first message's params peek (_meta, name, uri): made at most once
    if not new_era and META_KEY in body and len(messages) == 1:
        params = _params(first)
        mver = params.meta.get(t.META_PROTOCOL_VERSION) if params.meta else None
        new_era = isinstance(mver, str) and mver >= STATELESS_REVISION
    if new_era:
        if batch:
            return PostRefusal(400, INVALID_REQUEST, "Invalid Request: no batches in 2026-07-28")
        if params is None:
            params = _params(first)
        problem = check_new_era(first, params, hver)
        if problem is not None:
            return PostRefusal(400, problem[0], problem[1], first_id)
        version = hver or STATELESS_REVISION
        return PostPlan("new-era", messages, ids, can_sse, version, False, params)
    if stateless:
        no_batch = _batch_problem(hver or ASSUMED_VERSION) if batch else None
        if no_batch is not None:
            return PostRefusal(400, INVALID_REQUEST, no_batch)
        return PostPlan("stateless", messages, ids, can_sse, hver, batch, params)
    return PostPlan("stateful", messages, ids, can_sse, hver, batch, params)
