"""Sealed ``requestState`` for 2026-07-28 multi-round-trip requests (layer 1, pure).

2026-07-28 basic/patterns/mrtr.mdx (SEP-2322): a server that needs input ends the round with
an ``input_required`` result and may hand the client an opaque ``requestState``, which the
client sends back unchanged on its retry.  mcplite puts the answers of earlier rounds (and
the handler's own state) in it, so any worker holding the key can continue the exchange.
The client must not be able to forge or alter it, so the JSON payload is sealed with
HMAC-SHA256 (RFC 2104) and carries its method and an expiry.

Pure: the key and the clock (``now``, seconds since the epoch) are arguments; reading
``time.time()`` and making a per-process key are ``_server/input``'s.  Every refusal is the
same -32602 (an expired state says so, so the client knows to start over): which check
failed is not the client's business and would help a forger.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from .._core.base64url import b64url_decode, b64url_encode
from .._errors import INVALID_PARAMS, RPCError

__all__ = [
    "DEFAULT_MAX_REQUEST_STATE_BYTES",
    "DEFAULT_REQUEST_STATE_TTL_SECONDS",
    "SealedState",
    "seal",
    "unseal",
]

DEFAULT_REQUEST_STATE_TTL_SECONDS: Final = 600.0
DEFAULT_MAX_REQUEST_STATE_BYTES: Final = 256 * 1024
STATE_VERSION: Final = 1  # bumped when the sealed layout changes: older states are refused
INVALID_MESSAGE: Final = "Invalid params: invalid requestState"
EXPIRED_MESSAGE: Final = "Invalid params: requestState has expired; start over"


class SealedState(msgspec.Struct, array_like=True):
    """What a requestState carries: the answers so far and the handler's ``ctx.state``."""

    version: int
    expires: float
    method: str
    responses: dict[str, Any]
    user: Any = None


def _mac(key: bytes, payload: bytes) -> bytes:
    import hashlib  # lazy: requestState is 2026-07-28 MRTR only; OpenSSL's hashlib too
    import hmac  # lazy: as hashlib

    return hmac.new(key, payload, hashlib.sha256).digest()


def seal(
    key: bytes, method: str, responses: dict[str, Any], user: Any, *, now: float, ttl: float
) -> str:
    """The requestState for a retry of ``method`` within ``ttl`` seconds of ``now``:
    base64url(payload) "." base64url(HMAC-SHA256(key, payload))."""
    payload = msgspec.json.encode(SealedState(STATE_VERSION, now + ttl, method, responses, user))
    return b64url_encode(payload) + "." + b64url_encode(_mac(key, payload))


def unseal(key: bytes, state: str, *, method: str, now: float, max_bytes: int) -> SealedState:
    """Verify and open ``state`` sent back with a retry of ``method``; ``RPCError`` -32602 when
    it is longer than ``max_bytes``, forged, altered, for another method, or expired."""
    bad = RPCError(INVALID_PARAMS, INVALID_MESSAGE)
    if len(state) > max_bytes:
        raise bad
    body, _, tag = state.partition(".")
    try:
        payload = b64url_decode(body)
        mac = b64url_decode(tag)
    except ValueError:
        raise bad from None
    import hmac  # lazy: requestState is 2026-07-28 MRTR only, off the cold path

    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise bad
    try:
        sealed = msgspec.json.decode(payload, type=SealedState)
    except msgspec.DecodeError:  # a key holder sealed something else (another version?)
        raise bad from None
    if sealed.version != STATE_VERSION or sealed.method != method:
        raise bad
    if sealed.expires < now:
        raise RPCError(INVALID_PARAMS, EXPIRED_MESSAGE)
    return sealed
