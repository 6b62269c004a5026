"""Typed decoding of params and results through the one decoder cache, types.decoder (layer 1)."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from .. import types as t
from .._errors import INTERNAL_ERROR, INVALID_PARAMS, RemoteProtocolError

T = TypeVar("T")


def decode_params(type_: type[T], raw: msgspec.Raw | None) -> T:
    """Decode request/notification params; a failure is -32602 naming the field path."""
    try:
        if raw is None:
            return msgspec.convert({}, type_)
        decoded: T = t.decoder(type_).decode(raw)
        return decoded
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(f"Invalid params: {exc}", INVALID_PARAMS) from None
    except msgspec.DecodeError as exc:  # pragma: no cover - params came from valid JSON
        raise RemoteProtocolError(f"Invalid params: {exc}", INVALID_PARAMS) from None


def decode_result(type_: type[T], raw: msgspec.Raw) -> T:
    """Decode a result; unknown content tags from newer peers are tolerated.

    types.decode_lenient already takes the cached typed decoder first; trying it here too
    decoded a failing result twice before the lenient walk."""
    try:
        return t.decode_lenient(raw, type_)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(
            f"Invalid result: expected a {type_.__name__}: {exc}", INTERNAL_ERROR
        ) from None
