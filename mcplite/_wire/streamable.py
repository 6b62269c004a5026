"""Streamable HTTP, the bytes a server peeks at before routing a POST (layer 1, pure).

Only the JSON-RPC id, method and the parts of params that routing and the 2026-07-28
header checks need (``_meta``, ``name``, ``uri``) are decoded here; the protocol core
decodes the message for real.  ``BodyPeek`` peeks a body once for everyone before the core:
the bearer middleware's per-method scopes and the app's routing read the same decode.
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

from .._core import peerjson
from .._core.meta import ParamsMeta

META_KEY: Final = b'"io.modelcontextprotocol/protocolVersion"'
SENTINEL_PREFIX: Final = "=?base64?"


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


def decode_header_value(value: str) -> str | None:
    """SEP-2243 value encoding: ``=?base64?<b64>?=`` wraps UTF-8; None if malformed."""
    if value.startswith(SENTINEL_PREFIX) and value.endswith("?="):
        try:
            return base64.b64decode(value[9:-2], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value
