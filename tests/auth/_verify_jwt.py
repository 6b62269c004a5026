"""ES256/RS256 verification of compact JWS: the tests' check of what mcplite's signers
(OAuth client assertions, DPoP proofs) produce.  The package's signer and verifier share
``mcplite._auth.jose``'s arithmetic (Jacobian coordinates, one EMSA-PKCS1-v1_5 encoder); this
check keeps its own (affine P-256 from SEC 1 §2.2.1, the RFC 8017 §9.2 encoding written out)
so a mistake in the shared code cannot hide by agreeing with itself."""

from __future__ import annotations

import hashlib
from typing import Any

from mcplite._auth.jose import JOSEError, b64url_decode, parse_jws

# NIST P-256 (SEC 2 §2.4.2).
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_A = _P - 3
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

Point = tuple[int, int] | None


def _add(p1: Point, p2: Point) -> Point:
    """Affine point addition (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        lam = (3 * x1 * x1 + _A) * pow(2 * y1, -1, _P) % _P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    return x3, (lam * (x1 - x3) - y1) % _P


def _mul(k: int, point: Point) -> Point:
    result: Point = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def _on_curve(point: tuple[int, int]) -> bool:
    x, y = point
    return 0 <= x < _P and 0 <= y < _P and (y * y - x * x * x - _A * x - _B) % _P == 0


def verify_jwt(token: str, jwk: dict[str, Any]) -> dict[str, Any]:
    """The claims of ``token`` if its ES256/RS256 signature verifies under ``jwk``."""
    header, claims, signing_input, signature = parse_jws(token)
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
        if pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big") != expected:
            raise JOSEError("the RS256 signature does not verify")
        return claims
    raise JOSEError(f"unsupported alg {header.get('alg')!r} for a {jwk.get('kty')!r} key")
