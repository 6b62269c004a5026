"""The 2026-07-28 per-request ``_meta`` (layer 1, pure): read it, check it, write it.

2026-07-28 schema.ts RequestMetaObject: every request carries the protocol version, the
client capabilities (both required), and optionally client info and a log level.
"""

from __future__ import annotations

import functools
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from .. import types as t
from .._errors import INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION, RemoteProtocolError

T = TypeVar("T")

# Syslog severities (RFC 5424 §6.2.1), least to most severe, as MCP orders them
# (server/utilities/logging.mdx).
LOG_LEVELS: Final = (
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
)
LOG_RANK: Final = {name: rank for rank, name in enumerate(LOG_LEVELS)}


class ParamsMeta(msgspec.Struct):
    """The ``_meta`` of a message's params and nothing else: what the protocol core reads to
    tell a 2026-07-28 request from a handshake-era one (``_wire/streamable`` extends it with
    the fields that route a streamable-HTTP POST)."""

    meta: dict[str, Any] | None = msgspec.field(default=None, name="_meta")


@functools.cache
def _params_meta_decoder() -> msgspec.json.Decoder[ParamsMeta]:
    return msgspec.json.Decoder(ParamsMeta)


def peek_meta(params: bytes | msgspec.Raw) -> dict[str, Any] | None:
    """The ``_meta`` object of raw params; None when absent or when params are not an object
    with an object ``_meta`` (the params decode then says what is wrong)."""
    try:
        return _params_meta_decoder().decode(params).meta
    except msgspec.DecodeError:
        return None


def _field(meta: dict[str, Any], name: str, type_: type[T]) -> T:
    """``meta[name]`` as ``type_``; -32602 naming the field and what is wrong with it."""
    try:
        return msgspec.convert(meta[name], type_)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(
            f'Invalid params: invalid _meta field "{name}" ({exc})', INVALID_PARAMS
        ) from None


def read_request_meta(
    meta: dict[str, Any], version: str, supported: tuple[str, ...]
) -> tuple[t.ClientCapabilities, t.Implementation | None, str | None]:
    """Capabilities, client info and log level of a stateless request, or the error.

    Raises ``RemoteProtocolError`` with -32022 (and ``data.supported``/``requested``, so
    the client can retry, 2026-07-28 basic/versioning.mdx) or -32602.
    """
    if version not in supported:
        raise RemoteProtocolError(
            f"Unsupported protocol version: {version}",
            UNSUPPORTED_PROTOCOL_VERSION,
            {"supported": list(supported), "requested": version},
        )
    if t.META_CLIENT_CAPABILITIES not in meta:
        raise RemoteProtocolError(
            f'Invalid params: missing _meta field "{t.META_CLIENT_CAPABILITIES}"',
            INVALID_PARAMS,
        )
    caps = _field(meta, t.META_CLIENT_CAPABILITIES, t.ClientCapabilities)
    info = (
        _field(meta, t.META_CLIENT_INFO, t.Implementation) if t.META_CLIENT_INFO in meta else None
    )
    level = meta.get(t.META_LOG_LEVEL)
    if level is not None and level not in LOG_RANK:
        raise RemoteProtocolError(
            f'Invalid params: _meta "{t.META_LOG_LEVEL}" must be one of '
            f"{', '.join(LOG_LEVELS)}, got {level!r}",
            INVALID_PARAMS,
        )
    return caps, info, level


def with_meta(params: Any, extra: dict[str, Any]) -> Any:
    """``params`` (None, a dict or a Struct with ``meta``) with ``extra`` merged into _meta."""
    if params is None:
        return {"_meta": extra}
    if isinstance(params, dict):
        merged = dict(params)
        merged["_meta"] = {**params.get("_meta", {}), **extra}
        return merged
    meta = getattr(params, "meta", UNSET)
    params.meta = extra if meta is UNSET or meta is None else {**meta, **extra}
    return params
