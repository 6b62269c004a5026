"""What the streamable HTTP client reads from a message without decoding all of it
(layer 3): a request's id and method from our own encoding, an answer's id and method."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from .. import types as t
from .._core import peerjson


class _Outgoing(msgspec.Struct):
    id: Any = None
    method: str | None = None
    params: Any = None


class _Probe(msgspec.Struct):
    id: Any = None
    method: str | None = None


_REQUEST_PREFIX: Final = b'{"jsonrpc":"2.0","id":'
_METHOD_KEY: Final = b'"method":"'
_META_KEY: Final = b'"' + t.META_PROTOCOL_VERSION.encode() + b'"'


def _fast_request(data: bytes) -> tuple[int, str] | None:
    """(id, method) of a request our ``_jsonrpc`` encoded with an integer id, read from its
    fixed envelope (``{"jsonrpc":"2.0","id":N,"method":"..."``) without decoding the params;
    None when the message is anything else (the caller then decodes it)."""
    if not data.startswith(_REQUEST_PREFIX):
        return None
    comma = data.find(b",", 22, 44)
    if comma < 0 or not data.startswith(_METHOD_KEY, comma + 1):
        return None
    start = comma + 11
    end = data.find(b'"', start, start + 256)
    digits = data[22:comma]
    if end < 0 or not digits.isdigit() or b"\\" in data[start:end]:
        return None
    return int(digits), data[start:end].decode()


def _probe(data: bytes) -> _Probe | None:
    try:
        peerjson.check(data)
        return msgspec.json.decode(data, type=_Probe)
    except (peerjson.InvalidJSON, msgspec.DecodeError, msgspec.ValidationError):
        return None
