"""JSON-RPC 2.0 envelopes: decode, classify, encode, batches (layer 1, pure).

Params and results stay ``msgspec.Raw`` here: typed decoding happens once, at dispatch,
through the method table (DESIGN.md §4).  A proxy can forward them without re-encoding.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

from .._errors import INVALID_REQUEST, PARSE_ERROR, RemoteProtocolError
from ..types import enc_hook
from . import peerjson

JSONRPC_VERSION: Final = "2.0"

RequestId = int | str


class ErrorObject(msgspec.Struct, omit_defaults=True):
    """JSON-RPC 2.0 §5.1 error object."""

    code: int
    message: str
    data: Any = UNSET


class Message(msgspec.Struct, omit_defaults=True):
    """Any JSON-RPC message as it arrives; ``classify`` says which kind it is."""

    jsonrpc: str | UnsetType = UNSET
    id: int | str | None | UnsetType = UNSET
    method: str | UnsetType = UNSET
    params: msgspec.Raw | UnsetType = UNSET
    result: msgspec.Raw | UnsetType = UNSET
    error: ErrorObject | UnsetType = UNSET


# Outgoing envelopes: fixed field order, ``jsonrpc`` first, encoded in one pass together
# with whatever Struct the params/result are.
class _Request(msgspec.Struct):
    jsonrpc: str
    id: RequestId
    method: str
    params: Any


class _RequestNoParams(msgspec.Struct):
    jsonrpc: str
    id: RequestId
    method: str


class _Notification(msgspec.Struct):
    jsonrpc: str
    method: str
    params: Any


class _NotificationNoParams(msgspec.Struct):
    jsonrpc: str
    method: str


class _Response(msgspec.Struct):
    jsonrpc: str
    id: RequestId
    result: Any


class _ErrorResponse(msgspec.Struct):
    jsonrpc: str
    id: RequestId | None
    error: ErrorObject


# Kinds returned by ``classify``.
REQUEST: Final = 1
NOTIFICATION: Final = 2
RESPONSE: Final = 3
ERROR: Final = 4


@functools.cache
def _message_decoder() -> msgspec.json.Decoder[Message]:
    return msgspec.json.Decoder(Message)


@functools.cache
def _batch_decoder() -> msgspec.json.Decoder[list[msgspec.Raw]]:
    return msgspec.json.Decoder(list[msgspec.Raw])


@functools.cache
def _encoder() -> msgspec.json.Encoder:
    return msgspec.json.Encoder(enc_hook=enc_hook)


def encode(obj: Any) -> bytes:
    """Encode any wire value (Structs, builtins, ``msgspec.Raw``) to JSON bytes."""
    return _encoder().encode(obj)


class InvalidMessage(RemoteProtocolError):
    """A message that cannot be processed; ``id`` is what the error reply must carry."""

    def __init__(self, message: str, code: int, id: RequestId | None) -> None:
        super().__init__(message, code)
        self.id = id


def _salvage_id(data: bytes | msgspec.Raw) -> RequestId | None:
    # JSON-RPC 2.0 §5: the error reply carries the request's id when it can be detected.
    try:
        obj = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    if isinstance(obj, dict):
        value = obj.get("id")
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
    return None


def decode_message(data: bytes | msgspec.Raw) -> tuple[int, Message]:
    """Decode and classify one message; raise ``InvalidMessage`` with the code to answer."""
    try:
        msg = _message_decoder().decode(data)
    except msgspec.ValidationError as exc:
        raise InvalidMessage(
            f"Invalid JSON-RPC message: {exc}", INVALID_REQUEST, _salvage_id(data)
        ) from None
    except msgspec.DecodeError as exc:
        raise InvalidMessage(f"Parse error: {exc}", PARSE_ERROR, None) from None
    return classify(msg), msg


def decode(
    data: bytes, max_depth: int = peerjson.DEFAULT_MAX_JSON_DEPTH
) -> tuple[int, Message] | list[tuple[int, Message] | InvalidMessage]:
    """Decode one framed payload: a message, or a batch (a JSON array) of them.

    Batch members that are invalid come back as ``InvalidMessage`` in place, so the
    caller can answer each one (JSON-RPC 2.0 §6).  An empty batch is itself invalid.
    Invalid UTF-8 and nesting past ``max_depth`` are parse errors (``peerjson``).
    """
    try:
        peerjson.check(data, max_depth)
    except peerjson.InvalidJSON as exc:
        raise InvalidMessage(exc.message, PARSE_ERROR, None) from None
    # Fast path: a single object.  Only a payload whose first non-blank byte is "[" is a batch.
    if data[:1] != b"[" and not data.lstrip().startswith(b"["):
        return decode_message(data)
    try:
        raws = _batch_decoder().decode(data)
    except msgspec.DecodeError as exc:
        raise InvalidMessage(f"Parse error: {exc}", PARSE_ERROR, None) from None
    if not raws:
        raise InvalidMessage("Invalid Request: empty batch", INVALID_REQUEST, None)
    out: list[tuple[int, Message] | InvalidMessage] = []
    for raw in raws:
        try:
            out.append(decode_message(raw))
        except InvalidMessage as exc:
            if exc.code == PARSE_ERROR:  # pragma: no cover - the array itself parsed
                exc.code = INVALID_REQUEST
            out.append(exc)
    return out


def classify(msg: Message) -> int:
    """Return REQUEST, NOTIFICATION, RESPONSE or ERROR, or raise ``InvalidMessage``."""
    if msg.jsonrpc != JSONRPC_VERSION:
        got = "nothing" if msg.jsonrpc is UNSET else repr(msg.jsonrpc)
        raise InvalidMessage(
            f'Invalid Request: expected "jsonrpc": "2.0", got {got}',
            INVALID_REQUEST,
            msg.id if isinstance(msg.id, (int, str)) else None,
        )
    msg_id = msg.id
    if msg.method is not UNSET:
        if msg.result is not UNSET or msg.error is not UNSET:
            raise InvalidMessage(
                "Invalid Request: a request cannot carry a result or an error",
                INVALID_REQUEST,
                msg_id if isinstance(msg_id, (int, str)) else None,
            )
        if msg_id is UNSET:
            return NOTIFICATION
        if msg_id is None:
            # MCP (2025-03-26+ basic/index): request ids MUST NOT be null.
            raise InvalidMessage("Invalid Request: id must not be null", INVALID_REQUEST, None)
        return REQUEST
    if msg.result is not UNSET:
        if msg.error is not UNSET:
            raise InvalidMessage("Invalid Response: both result and error", INVALID_REQUEST, None)
        if not isinstance(msg_id, (int, str)):
            raise InvalidMessage("Invalid Response: missing id", INVALID_REQUEST, None)
        return RESPONSE
    if msg.error is not UNSET:
        return ERROR
    raise InvalidMessage(
        "Invalid Request: expected a method, a result or an error",
        INVALID_REQUEST,
        msg_id if isinstance(msg_id, (int, str)) else None,
    )


def encode_request(id: RequestId, method: str, params: Any = None) -> bytes:
    if params is None:
        return _encoder().encode(_RequestNoParams(JSONRPC_VERSION, id, method))
    return _encoder().encode(_Request(JSONRPC_VERSION, id, method, params))


def encode_notification(method: str, params: Any = None) -> bytes:
    if params is None:
        return _encoder().encode(_NotificationNoParams(JSONRPC_VERSION, method))
    return _encoder().encode(_Notification(JSONRPC_VERSION, method, params))


def encode_response(id: RequestId, result: Any) -> bytes:
    return _encoder().encode(_Response(JSONRPC_VERSION, id, result))


def encode_error(id: RequestId | None, code: int, message: str, data: Any = UNSET) -> bytes:
    return _encoder().encode(_ErrorResponse(JSONRPC_VERSION, id, ErrorObject(code, message, data)))


def encode_batch(parts: list[bytes]) -> bytes:
    """Join already-encoded messages into one batch array (no re-encoding)."""
    return b"[" + b",".join(parts) + b"]"
