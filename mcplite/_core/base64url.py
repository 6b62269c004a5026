"""Unpadded base64url, the one codec for JOSE, requestState and cursors (layer 1, pure).

RFC 7515 §2 (JWS "Base64url Encoding": RFC 4648 §5 with the trailing ``=`` omitted).  JWS
parts and JWK members (``_auth/jose``), sealed 2026-07-28 ``requestState``
(``_core/request_state``) and pagination cursors (``_core/pagination``) all use it, so one
decoder decides what counts as base64url: exactly the RFC 4648 §5 alphabet, no padding, no
white space.  ``base64.urlsafe_b64decode`` on its own silently drops characters outside the
alphabet, which would let two different strings stand for one token.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

__all__ = ["b64url_decode", "b64url_encode"]

_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url_encode(data: bytes) -> str:
    """``data`` as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; ``ValueError`` saying what arrived otherwise.

    Callers turn the ``ValueError`` into their own error (``JOSEError``, ``JWTError``,
    -32602) keeping its message.
    """
    # A length of 1 mod 4 cannot come from any byte string (RFC 4648 §4: 6 bits are not a byte).
    if not _ALPHABET.issuperset(text) or len(text) % 4 == 1:
        raise ValueError(f"expected unpadded base64url, got {text[:40]!r}")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - excluded by the checks
        raise ValueError(f"expected unpadded base64url, got {text[:40]!r}: {exc}") from None
