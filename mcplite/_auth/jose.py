"""Just enough JOSE for an OAuth client, pure Python: keys, JWS signing, JWKs (pure).

ES256 (ECDSA P-256, RFC 7518 §3.4) and RS256 (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) sign the
assertions of ``private_key_jwt`` client authentication (RFC 7523 §2.2) and DPoP proofs
(RFC 9449 §4.2).  The ECDSA nonce is derived deterministically (RFC 6979), so signing needs
no randomness and this module stays pure; key *generation* (which does) lives with the
asyncio glue.  Private keys load from PEM: PKCS#8, SEC1 ``EC PRIVATE KEY`` and PKCS#1
``RSA PRIVATE KEY``.  Verification exists for tests and for symmetry; it is not constant
time and is not meant to guard anything.

Signing uses the optional ``cryptography`` package (``pip install mcplite[auth]``) when it is
importable: its ECDSA and RSA are constant time, whereas the pure-Python fallback below (big
integer arithmetic, ``pow``) leaks timing about the private key.  The import is lazy, inside
a function, so this module stays importable and pure without it; ``signing_backend()`` says
which one is in use.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from typing import Any, Final, NamedTuple

import msgspec

from .._core import peerjson

# NIST P-256 (SEC 2 §2.4.2).
_P: Final = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_A: Final = _P - 3
_B: Final = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G: Final = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
_OID_EC: Final = bytes.fromhex("2a8648ce3d0201")  # id-ecPublicKey
_OID_P256: Final = bytes.fromhex("2a8648ce3d030107")  # prime256v1
_OID_RSA: Final = bytes.fromhex("2a864886f70d010101")  # rsaEncryption
# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
_SHA256_DIGEST_INFO: Final = bytes.fromhex("3031300d060960864801650304020105000420")

Point = tuple[int, int] | None
# What a signer says once when it falls back to pure Python (logged by the OAuth client).
PURE_SIGNING_NOTICE: Final = (
    "the 'cryptography' package is not installed: JWT/DPoP signing (ES256, RS256) uses "
    "pure Python, which is correct but not constant time; `pip install mcplite[auth]` "
    "fixes it"
)


class JOSEError(ValueError):
    """A key or token that cannot be used, saying what was expected."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JOSEError(f"expected base64url text, got {text[:40]!r}") from exc


def _int_bytes(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


# ---------------------------------------------------------------- P-256 arithmetic


def _add(p1: Point, p2: Point) -> Point:
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


def _rfc6979_k(d: int, digest: bytes) -> int:
    """The deterministic ECDSA nonce of RFC 6979 §3.2 (HMAC-SHA-256, qlen = hlen = 256)."""
    x = _int_bytes(d, 32)
    h = _int_bytes(int.from_bytes(digest, "big") % _N, 32)
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        candidate = int.from_bytes(v, "big")
        if 1 <= candidate < _N:
            return candidate
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()  # pragma: no cover - ~2**-32
        v = hmac.new(k, v, hashlib.sha256).digest()  # pragma: no cover


# ---------------------------------------------------------------- optional native backend


class _Native(NamedTuple):
    """The pieces of ``cryptography`` the signers use (imported once, lazily)."""

    ec: Any
    rsa: Any
    padding: Any
    utils: Any
    sha256: Any
    unsupported: type[Exception]


@functools.cache
def _native() -> _Native | None:
    """``cryptography``'s primitives, or None (said once, at INFO) when it is not installed."""
    try:
        # lazy: optional extra `mcplite[auth]`; absent, the pure-Python signers below are used.
        from cryptography.exceptions import (  # type: ignore[import-not-found,unused-ignore]
            UnsupportedAlgorithm,
        )

        # lazy: cryptography extra, optional
        from cryptography.hazmat.primitives import (  # type: ignore[import-not-found,unused-ignore]
            hashes,
        )

        # lazy: cryptography extra, optional
        from cryptography.hazmat.primitives.asymmetric import (  # type: ignore[import-not-found,unused-ignore]
            ec,
            padding,
            rsa,
            utils,
        )
    except ImportError:
        return (
            None  # the caller says so once (this pure layer logs nothing): see PURE_SIGNING_NOTICE
        )
    return _Native(ec, rsa, padding, utils, hashes.SHA256, UnsupportedAlgorithm)


def signing_backend() -> str:
    """``"cryptography"`` when that package signs (constant time), else ``"pure-python"``."""
    return "cryptography" if _native() is not None else "pure-python"


# ---------------------------------------------------------------- keys


class ECPrivateKey:
    """A P-256 private key (``d``) and its public point."""

    alg = "ES256"

    def __init__(self, d: int) -> None:
        if not 1 <= d < _N:
            raise JOSEError("expected a P-256 private scalar in [1, n)")
        self.d = d
        point = _mul(d, _G)
        assert point is not None
        self.public = point
        self._native_key: Any = None

    @classmethod
    def from_bytes(cls, secret: bytes) -> ECPrivateKey:
        """A key from 32+ random bytes (reduced into [1, n))."""
        return cls(int.from_bytes(secret, "big") % (_N - 1) + 1)

    def sign(self, data: bytes) -> bytes:
        """The JWS ES256 signature of ``data``: R || S, 32 bytes each (RFC 7518 §3.4)."""
        native = _native()
        if native is None:
            return self._sign_pure(data)
        if self._native_key is None:
            self._native_key = native.ec.derive_private_key(self.d, native.ec.SECP256R1())
        try:
            # RFC 6979 nonces (cryptography >= 44 on OpenSSL >= 3.2): the same bytes as below.
            algorithm = native.ec.ECDSA(native.sha256(), deterministic_signing=True)
        except (TypeError, native.unsupported):  # pragma: no cover - older cryptography/OpenSSL
            algorithm = native.ec.ECDSA(native.sha256())
        r, s = native.utils.decode_dss_signature(self._native_key.sign(data, algorithm))
        return _int_bytes(r, 32) + _int_bytes(s, 32)

    def _sign_pure(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()
        e = int.from_bytes(digest, "big")
        k = _rfc6979_k(self.d, digest)
        point = _mul(k, _G)
        assert point is not None
        r = point[0] % _N
        s = pow(k, -1, _N) * (e + r * self.d) % _N
        return _int_bytes(r, 32) + _int_bytes(s, 32)

    def public_jwk(self) -> dict[str, str]:
        x, y = self.public
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(_int_bytes(x, 32)),
            "y": b64url(_int_bytes(y, 32)),
        }


class RSAPrivateKey:
    """An RSA private key (n, e, d) for RS256."""

    alg = "RS256"

    def __init__(self, n: int, e: int, d: int) -> None:
        if n.bit_length() < 2048:
            raise JOSEError(f"expected an RSA modulus of at least 2048 bits, got {n.bit_length()}")
        self.n, self.e, self.d = n, e, d
        self._native_key: Any = None

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.1): deterministic, either backend."""
        native = _native()
        if native is None:
            return self._sign_pure(data)
        if self._native_key is None:
            self._native_key = self._build_native(native)
        signature: bytes = self._native_key.sign(data, native.padding.PKCS1v15(), native.sha256())
        return signature

    def _build_native(self, native: _Native) -> Any:
        """A ``cryptography`` key from (n, e, d): the CRT primes are recovered (RFC 8017 §3.2)."""
        rsa = native.rsa
        try:
            p, q = rsa.rsa_recover_prime_factors(self.n, self.e, self.d)
            public = rsa.RSAPublicNumbers(self.e, self.n)
            numbers = rsa.RSAPrivateNumbers(
                p,
                q,
                self.d,
                rsa.rsa_crt_dmp1(self.d, p),
                rsa.rsa_crt_dmq1(self.d, q),
                rsa.rsa_crt_iqmp(p, q),
                public,
            )
            return numbers.private_key()
        except ValueError as exc:
            raise JOSEError(f"expected a consistent RSA key (n, e, d): {exc}") from exc

    def _sign_pure(self, data: bytes) -> bytes:
        size = (self.n.bit_length() + 7) // 8
        t = _SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
        em = b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t
        return _int_bytes(pow(int.from_bytes(em, "big"), self.d, self.n), size)

    def public_jwk(self) -> dict[str, str]:
        e_bytes = self.e.to_bytes((self.e.bit_length() + 7) // 8, "big")
        n_bytes = self.n.to_bytes((self.n.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "n": b64url(n_bytes), "e": b64url(e_bytes)}


PrivateKey = ECPrivateKey | RSAPrivateKey


# ---------------------------------------------------------------- DER / PEM


def _tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        raise JOSEError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise JOSEError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise JOSEError("truncated DER")
    return tag, data[pos:end], end


def _children(data: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag, value, pos = _tlv(data, pos)
        out.append((tag, value))
    return out


def _sequence(data: bytes) -> list[tuple[int, bytes]]:
    tag, value, _ = _tlv(data, 0)
    if tag != 0x30:
        raise JOSEError(f"expected a DER SEQUENCE, got tag 0x{tag:02x}")
    return _children(value)


def _ec_from_sec1(der: bytes) -> ECPrivateKey:
    items = _sequence(der)
    if len(items) < 2 or items[1][0] != 0x04:
        raise JOSEError("expected an ECPrivateKey (RFC 5915)")
    for tag, value in items[2:]:
        if tag == 0xA0 and _children(value) != [(0x06, _OID_P256)]:
            raise JOSEError("expected a P-256 key")
    return ECPrivateKey(int.from_bytes(items[1][1], "big"))


def _rsa_from_pkcs1(der: bytes) -> RSAPrivateKey:
    items = _sequence(der)
    if len(items) < 4 or any(tag != 0x02 for tag, _ in items[:4]):
        raise JOSEError("expected an RSAPrivateKey (RFC 8017 A.1.2)")
    n, e, d = (int.from_bytes(value, "big") for _, value in items[1:4])
    return RSAPrivateKey(n, e, d)


def load_private_key(pem: str | bytes) -> PrivateKey:
    """A P-256 or RSA private key from PEM (PKCS#8, SEC1 or PKCS#1)."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if (
        len(lines) < 3
        or not lines[0].startswith("-----BEGIN ")
        or not lines[-1].startswith("-----END ")
    ):
        raise JOSEError("expected a PEM block (-----BEGIN ... PRIVATE KEY-----)")
    label = lines[0][len("-----BEGIN ") :].rstrip("-")
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise JOSEError("the PEM body is not base64") from exc
    if label == "EC PRIVATE KEY":
        return _ec_from_sec1(der)
    if label == "RSA PRIVATE KEY":
        return _rsa_from_pkcs1(der)
    if label != "PRIVATE KEY":
        raise JOSEError(f"expected a PRIVATE KEY PEM block, got {label!r}")
    items = _sequence(der)
    if len(items) < 3 or items[1][0] != 0x30 or items[2][0] != 0x04:
        raise JOSEError("expected a PKCS#8 PrivateKeyInfo (RFC 5208)")
    algorithm = _children(items[1][1])
    oid = algorithm[0][1] if algorithm and algorithm[0][0] == 0x06 else b""
    if oid == _OID_EC:
        if algorithm[1:] != [(0x06, _OID_P256)]:
            raise JOSEError("expected a P-256 key")
        return _ec_from_sec1(items[2][1])
    if oid == _OID_RSA:
        return _rsa_from_pkcs1(items[2][1])
    raise JOSEError("expected an EC (P-256) or RSA private key")


# ---------------------------------------------------------------- JWS / JWT


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def sign_jwt(key: PrivateKey, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    """A compact JWS over ``claims`` (RFC 7515 §7.1); ``alg`` comes from the key."""
    head = {"alg": key.alg, "typ": "JWT", **(header or {})}
    signing_input = b64url(_json(head)) + "." + b64url(_json(claims))
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWS, unverified."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JOSEError(f"expected a compact JWS with 3 parts, got {len(parts)}")
    try:
        head_json, claims_json = b64url_decode(parts[0]), b64url_decode(parts[1])
        peerjson.check(head_json)
        peerjson.check(claims_json)
        header = msgspec.json.decode(head_json)
        claims = msgspec.json.decode(claims_json)
    except (peerjson.InvalidJSON, msgspec.DecodeError) as exc:
        raise JOSEError("a JWS part is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JOSEError("expected JSON objects in the JWS header and payload")
    return header, claims, (parts[0] + "." + parts[1]).encode("ascii"), b64url_decode(parts[2])


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint, base64url (DPoP ``jkt``, RFC 9449 §6.1)."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = {name: jwk[name] for name in members}
    return b64url(hashlib.sha256(msgspec.json.encode(canonical, order="sorted")).digest())


def s256(text: str) -> str:
    """base64url(SHA-256(ascii)): the PKCE S256 challenge (RFC 7636 §4.2) and DPoP ``ath``."""
    return b64url(hashlib.sha256(text.encode("ascii")).digest())
