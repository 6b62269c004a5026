"""Streamable HTTP, the bytes a server peeks at before routing a POST (layer 1, pure).

Only the JSON-RPC id, method and the parts of params that routing and the 2026-07-28
header checks need (``_meta``, ``name``, ``uri``) are decoded here; the protocol core
decodes the message for real.
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

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


class _PeekParams(msgspec.Struct):
    meta: dict[str, Any] | None = msgspec.field(default=None, name="_meta")
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
