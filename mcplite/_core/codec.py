"""Typed decoding of params and results for the sans-I/O core (layer 1): the decoders are
``mcplite.types``' (one decoder cache, ``types.decoder``; one result decoder,
``types.decode_result``), the errors are ``RemoteProtocolError`` with a JSON-RPC code."""

from __future__ import annotations

from typing import TypeVar, cast

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


def decode_result(type_: type[T], raw: msgspec.Raw | bytes) -> T:
    """Decode a result as ``type_``; -32603 naming what was expected and what arrived.

    The decoding is ``types.decode_result``'s (the one result decoder, with the one decoder
    cache ``types.decoder``): unknown content tags from newer peers are tolerated.  What this
    adds is the sans-I/O core's error type, and the refusal of an ``input_required`` result
    where a complete ``type_`` was expected: 2026-07-28 basic/patterns/mrtr.mdx allows one
    only for prompts/get, resources/read and tools/call, and only a caller that answers its
    inputRequests and retries (``Client``, or one calling ``types.decode_result``) can use it.
    """
    try:
        result = t.decode_result(raw, type_)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(
            f"Invalid result: expected a {type_.__name__}: {exc}", INTERNAL_ERROR
        ) from None
    if not isinstance(result, t.InputRequiredResult):
        return result
    if type_ is not t.InputRequiredResult:
        raise RemoteProtocolError(
            f"Invalid result: expected a {type_.__name__}, got resultType 'input_required' "
            "(2026-07-28 basic/patterns/mrtr: answer its inputRequests with "
            "mcplite.types.decode_result and retry)",
            INTERNAL_ERROR,
        )
    return cast(T, result)  # the caller asked for an InputRequiredResult itself
