"""Typed decoding of params and results, with decoders built once per type (layer 1)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from .. import types as t
from .._errors import INTERNAL_ERROR, INVALID_PARAMS, RemoteProtocolError

T = TypeVar("T")


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    """One decoder per type, built on first use (a dict lookup on the hot path)."""
    dec = _decoders.get(type_)
    if dec is None:
        dec = _decoders[type_] = msgspec.json.Decoder(type_)
    return dec


def decode_params(type_: type[T], raw: msgspec.Raw | None) -> T:
    """Decode request/notification params; a failure is -32602 naming the field path."""
    try:
        if raw is None:
            return msgspec.convert({}, type_)
        decoded: T = _decoder(type_).decode(raw)
        return decoded
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(f"Invalid params: {exc}", INVALID_PARAMS) from None
    except msgspec.DecodeError as exc:  # pragma: no cover - params came from valid JSON
        raise RemoteProtocolError(f"Invalid params: {exc}", INVALID_PARAMS) from None


def decode_result(type_: type[T], raw: msgspec.Raw) -> T:
    """Decode a result; unknown content tags from newer peers are tolerated."""
    try:
        decoded: T = _decoder(type_).decode(raw)
        return decoded
    except msgspec.ValidationError:
        pass
    try:
        return t.decode_lenient(raw, type_)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(
            f"Invalid result: expected a {type_.__name__}: {exc}", INTERNAL_ERROR
        ) from None
