"""ES256/RS256 verification of compact JWS: the tests' check of what mcplite's signers
(OAuth client assertions, DPoP proofs) produce.  The package's own verifier is
``mcplite._auth.jwt``; this one stays independent of it so each checks the other."""

from __future__ import annotations

import hashlib
from typing import Any

from mcplite._auth.jose import (
    _A,
    _B,
    _G,
    _N,
    _P,
    _SHA256_DIGEST_INFO,
    JOSEError,
    _add,
    _int_bytes,
    _mul,
    b64url_decode,
    decode_jwt,
)


def _on_curve(point: tuple[int, int]) -> bool:
    x, y = point
    return 0 <= x < _P and 0 <= y < _P and (y * y - x * x * x - _A * x - _B) % _P == 0


def verify_jwt(token: str, jwk: dict[str, Any]) -> dict[str, Any]:
    """The claims of ``token`` if its ES256/RS256 signature verifies under ``jwk``."""
    header, claims, signing_input, signature = decode_jwt(token)
    digest = hashlib.sha256(signing_input).digest()
    if header.get("alg") == "ES256" and jwk.get("kty") == "EC":
        q = (
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
        )
        if len(signature) != 64 or not _on_curve(q):
            raise JOSEError("bad ES256 signature or key")
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (1 <= r < _N and 1 <= s < _N):
            raise JOSEError("bad ES256 signature")
        w = pow(s, -1, _N)
        point = _add(_mul(int.from_bytes(digest, "big") * w % _N, _G), _mul(r * w % _N, q))
        if point is None or point[0] % _N != r:
            raise JOSEError("the ES256 signature does not verify")
        return claims
    if header.get("alg") == "RS256" and jwk.get("kty") == "RSA":
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        size = (n.bit_length() + 7) // 8
        t = _SHA256_DIGEST_INFO + digest
        expected = b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t
        if _int_bytes(pow(int.from_bytes(signature, "big"), e, n), size) != expected:
            raise JOSEError("the RS256 signature does not verify")
        return claims
    raise JOSEError(f"unsupported alg {header.get('alg')!r} for a {jwk.get('kty')!r} key")
