"""JOSE for both roles, pure Python: base64url, the JWA arithmetic, compact JWS (layer 1).

The one JOSE module: the OAuth client's signer and the server's JWT verifier
(``_auth/jwt``) share its curve and RSA arithmetic, its base64url (``_core/base64url``, which
requestState sealing and cursors use too) and its compact-JWS parse (RFC 7515 §7.1).

Signing: ES256 (ECDSA P-256, RFC 7518 §3.4) and RS256 (RSASSA-PKCS1-v1_5, RFC 7518 §3.3)
sign the assertions of ``private_key_jwt`` client authentication (RFC 7523 §2.2) and DPoP
proofs (RFC 9449 §4.2).  The ECDSA nonce is derived deterministically (RFC 6979), so signing
needs no randomness and this module stays pure; key *generation* (which does) lives with
the asyncio glue.  Private keys load from PEM: PKCS#8, SEC1 ``EC PRIVATE KEY`` and PKCS#1
``RSA PRIVATE KEY``.

Verification: ES256/384/512 (Jacobian coordinates on the NIST prime curves, FIPS 186-4),
RS256/384/512 (EMSA-PKCS1-v1_5, rebuilt and compared) and PS256/384/512 (EMSA-PSS).  Only
public values are involved, so nothing but the final comparison needs constant time; the
policy (which algorithm fits which key, claims) is ``_auth/jwt``'s.

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
from .._core.base64url import b64url_decode as _b64url_decode, b64url_encode

DEFAULT_MAX_JWT_BYTES: Final = 16 * 1024
HASHES: Final = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
# RFC 8017 §9.2 note 1: DER DigestInfo prefixes.
_DIGEST_INFO: Final = {
    "256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
_OID_EC: Final = bytes.fromhex("2a8648ce3d0201")  # id-ecPublicKey
_OID_P256: Final = bytes.fromhex("2a8648ce3d030107")  # prime256v1
_OID_RSA: Final = bytes.fromhex("2a864886f70d010101")  # rsaEncryption

# What a signer says once when it falls back to pure Python (logged by the OAuth client).
PURE_SIGNING_NOTICE: Final = (
    "the 'cryptography' package is not installed: JWT/DPoP signing (ES256, RS256) uses "
    "pure Python, which is correct but not constant time; `pip install mcplite[auth]` "
    "fixes it"
)


b64url: Final = b64url_encode  # re-exported: base64url is _core/base64url's


class JOSEError(ValueError):
    """A key or token that cannot be used, saying what was expected."""


def b64url_decode(text: str) -> bytes:
    """Unpadded base64url (RFC 7515 §2); ``JOSEError`` naming what arrived otherwise."""
    try:
        return _b64url_decode(text)
    except ValueError as exc:
        raise JOSEError(str(exc)) from None


def _int_bytes(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


# ---------------------------------------------------------------- curves (sign and verify)


class Curve(NamedTuple):
    """A short-Weierstrass prime curve with a = -3 (FIPS 186-4 D.1.2)."""

    name: str
    p: int
    b: int
    n: int
    gx: int
    gy: int
    size: int  # bytes per coordinate / per signature half


def _h(digits: str) -> int:
    return int(digits, 16)


CURVES: Final = {
    "P-256": Curve(
        "P-256",
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
        32,
    ),
    "P-384": Curve(
        "P-384",
        2**384 - 2**128 - 2**96 + 2**32 - 1,
        _h(
            "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
            "C656398D8A2ED19D2A85C8EDD3EC2AEF"
        ),
        _h(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
            "581A0DB248B0A77AECEC196ACCC52973"
        ),
        _h(
            "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
            "5502F25DBF55296C3A545E3872760AB7"
        ),
        _h(
            "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
            "0A60B1CE1D7E819D7A431D7C90EA0E5F"
        ),
        48,
    ),
    "P-521": Curve(
        "P-521",
        2**521 - 1,
        _h(
            "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
            "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00"
        ),
        _h(
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA"
            "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409"
        ),
        _h(
            "00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D"
            "3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66"
        ),
        _h(
            "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E"
            "662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650"
        ),
        66,
    ),
}
# RFC 7518 §3.4: the curve each ES algorithm signs on.
ES_CURVES: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

Point = tuple[int, int, int]  # Jacobian (X, Y, Z): x = X/Z^2, y = Y/Z^3; Z = 0 is infinity
_INF: Final[Point] = (1, 1, 0)


def _double(pt: Point, p: int) -> Point:
    x, y, z = pt
    if z == 0 or y == 0:
        return _INF
    # dbl-2001-b (a = -3): explicit formulas database, Jacobian coordinates.
    zz = z * z % p
    yy = y * y % p
    beta = x * yy % p
    alpha = 3 * (x - zz) * (x + zz) % p
    x3 = (alpha * alpha - 8 * beta) % p
    z3 = ((y + z) ** 2 - yy - zz) % p
    y3 = (alpha * (4 * beta - x3) - 8 * yy * yy) % p
    return x3, y3, z3


def _add(a: Point, b: Point, p: int) -> Point:
    x1, y1, z1 = a
    x2, y2, z2 = b
    if z1 == 0:
        return b
    if z2 == 0:
        return a
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    if u1 == u2:
        return _double(a, p) if s1 == s2 else _INF
    h = (u2 - u1) % p
    hh = h * h % p
    hhh = h * hh % p
    r = (s2 - s1) % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = z1 * z2 * h % p
    return x3, y3, z3


def _mul(k: int, pt: Point, p: int) -> Point:
    """k * pt, double-and-add from the top bit (signing keeps its scalar out of here when
    ``cryptography`` is installed: this is not constant time)."""
    acc = _INF
    for i in range(k.bit_length() - 1, -1, -1):
        acc = _double(acc, p)
        if (k >> i) & 1:
            acc = _add(acc, pt, p)
    return acc


def _affine(pt: Point, p: int) -> tuple[int, int] | None:
    """(x, y) of a Jacobian point, None for the point at infinity."""
    x, y, z = pt
    if z == 0:
        return None
    zinv = pow(z, -1, p)
    zz = zinv * zinv % p
    return x * zz % p, y * zz * zinv % p


P256: Final = CURVES["P-256"]
_G256: Final[Point] = (P256.gx, P256.gy, 1)


def on_curve(c: Curve, x: int, y: int) -> bool:
    return 0 <= x < c.p and 0 <= y < c.p and (y * y - (x * x * x - 3 * x + c.b)) % c.p == 0


def ecdsa_verify(c: Curve, qx: int, qy: int, digest: bytes, sig: bytes) -> bool:
    """FIPS 186-4 §6.4.2 with Shamir's trick for u1*G + u2*Q."""
    if len(sig) != 2 * c.size:
        return False
    r = int.from_bytes(sig[: c.size], "big")
    s = int.from_bytes(sig[c.size :], "big")
    n = c.n
    if not (0 < r < n and 0 < s < n):
        return False
    # JWS pairs each curve with a hash no longer than its order (RFC 7518 §3.4), so the
    # FIPS 186-4 leftmost-bits truncation of the digest never applies.
    e = int.from_bytes(digest, "big")
    w = pow(s, -1, n)
    u1, u2 = e * w % n, r * w % n
    p = c.p
    g: Point = (c.gx, c.gy, 1)
    q: Point = (qx, qy, 1)
    table = (_INF, g, q, _add(g, q, p))
    acc = _INF
    for i in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        acc = _double(acc, p)
        k = ((u1 >> i) & 1) | (((u2 >> i) & 1) << 1)
        if k:
            acc = _add(acc, table[k], p)
    point = _affine(acc, p)
    return point is not None and point[0] % n == r


def _rfc6979_k(d: int, digest: bytes) -> int:
    """The deterministic ECDSA nonce of RFC 6979 §3.2 (HMAC-SHA-256, qlen = hlen = 256)."""
    n = P256.n
    x = _int_bytes(d, 32)
    h = _int_bytes(int.from_bytes(digest, "big") % n, 32)
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        candidate = int.from_bytes(v, "big")
        if 1 <= candidate < n:
            return candidate
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()  # pragma: no cover - ~2**-32
        v = hmac.new(k, v, hashlib.sha256).digest()  # pragma: no cover


def _ecdsa_sign_p256(d: int, data: bytes) -> bytes:
    """FIPS 186-4 §6.4.1 on P-256 with the RFC 6979 nonce: R || S, 32 bytes each."""
    digest = hashlib.sha256(data).digest()
    k = _rfc6979_k(d, digest)
    point = _affine(_mul(k, _G256, P256.p), P256.p)
    assert point is not None  # 1 <= k < n
    n = P256.n
    r = point[0] % n
    s = pow(k, -1, n) * (int.from_bytes(digest, "big") + r * d) % n
    return _int_bytes(r, 32) + _int_bytes(s, 32)


# ---------------------------------------------------------------- RSA (sign and verify)


def _emsa_pkcs1_v15(bits: str, message: bytes, k: int) -> bytes | None:
    """EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of ``message`` into ``k`` bytes; None if k is too
    small for the DigestInfo (§9.2 step 3, "intended encoded message length too short")."""
    t = _DIGEST_INFO[bits] + HASHES[bits](message).digest()
    if k < len(t) + 11:
        return None
    return b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def _rsa_open(n: int, e: int, sig: bytes) -> int | None:
    """RSAVP1 (RFC 8017 §5.2.2) of a signature of exactly the modulus length, else None."""
    if len(sig) != (n.bit_length() + 7) // 8:
        return None
    s = int.from_bytes(sig, "big")
    return None if s >= n else pow(s, e, n)


def rsa_pkcs1_v15_verify(n: int, e: int, bits: str, message: bytes, sig: bytes) -> bool:
    """RFC 8017 §8.2.2: rebuild the expected encoding and compare (no ASN.1 parsing)."""
    k = (n.bit_length() + 7) // 8
    m = _rsa_open(n, e, sig)
    expected = _emsa_pkcs1_v15(bits, message, k)
    if m is None or expected is None:
        return False
    return hmac.compare_digest(m.to_bytes(k, "big"), expected)


def _mgf1(seed: bytes, length: int, bits: str) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += HASHES[bits](seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def rsa_pss_verify(n: int, e: int, bits: str, message: bytes, sig: bytes) -> bool:
    """RFC 8017 §8.1.2 / §9.1.2 with MGF1 and salt length = hash length (RFC 7518 §3.5)."""
    m = _rsa_open(n, e, sig)
    em_bits = n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    if m is None or m.bit_length() > em_bits:
        return False
    em = m.to_bytes(em_len, "big")
    h_len = s_len = int(bits) // 8
    if em_len < h_len + s_len + 2 or em[-1] != 0xBC:
        return False
    masked_db, h = em[: em_len - h_len - 1], em[em_len - h_len - 1 : -1]
    # The leftmost 8*emLen - emBits bits are zero: implied by the bit-length check above.
    free_bits = 8 * em_len - em_bits
    db = bytearray(a ^ b for a, b in zip(masked_db, _mgf1(h, len(masked_db), bits)))
    db[0] &= 0xFF >> free_bits
    pad = em_len - h_len - s_len - 2
    if any(db[:pad]) or db[pad] != 1:
        return False
    salt = bytes(db[pad + 1 :])
    m_hash = HASHES[bits](message).digest()
    return hmac.compare_digest(HASHES[bits](b"\x00" * 8 + m_hash + salt).digest(), h)


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
        if not 1 <= d < P256.n:
            raise JOSEError("expected a P-256 private scalar in [1, n)")
        self.d = d
        point = _affine(_mul(d, _G256, P256.p), P256.p)
        assert point is not None  # 1 <= d < n
        self.public = point
        self._native_key: Any = None

    @classmethod
    def from_bytes(cls, secret: bytes) -> ECPrivateKey:
        """A key from 32+ random bytes (reduced into [1, n))."""
        return cls(int.from_bytes(secret, "big") % (P256.n - 1) + 1)

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
        return _ecdsa_sign_p256(self.d, data)

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
        em = _emsa_pkcs1_v15("256", data, size)
        assert em is not None  # the modulus has at least 2048 bits
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


class JWS(NamedTuple):
    """A compact JWS split and decoded, not verified (RFC 7515 §7.1)."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def sign_jwt(key: PrivateKey, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    """A compact JWS over ``claims`` (RFC 7515 §7.1); ``alg`` comes from the key."""
    head = {"alg": key.alg, "typ": "JWT", **(header or {})}
    signing_input = b64url(_json(head)) + "." + b64url(_json(claims))
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        peerjson.check(data)
        value = msgspec.json.decode(data)
    except peerjson.InvalidJSON as exc:
        raise JOSEError(f"the JWT {what} is not JSON: {exc.message}") from None
    except msgspec.DecodeError as exc:
        raise JOSEError(f"the JWT {what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise JOSEError(f"expected the JWT {what} to be a JSON object, got {type(value).__name__}")
    return value


def parse_jws(token: str | bytes, *, max_bytes: int = DEFAULT_MAX_JWT_BYTES) -> JWS:
    """Split and decode a JWS compact serialization (RFC 7515 §7.1) without verifying it;
    ``JOSEError`` saying what was expected and what arrived."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError as exc:
            got = token[exc.start]
            raise JOSEError(
                f"expected an ASCII JWT, got byte 0x{got:02x} at offset {exc.start}"
            ) from None
    if len(token) > max_bytes:
        raise JOSEError(f"the JWT is longer than {max_bytes} bytes: {len(token)}")
    parts = token.split(".")
    if len(parts) != 3:
        raise JOSEError(f"expected a JWS compact serialization (3 parts), got {len(parts)}")
    header = _json_object(b64url_decode(parts[0]), "header")
    claims = _json_object(b64url_decode(parts[1]), "claims")
    signature = b64url_decode(parts[2])
    return JWS(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint, base64url (DPoP ``jkt``, RFC 9449 §6.1)."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = {name: jwk[name] for name in members}
    return b64url(hashlib.sha256(msgspec.json.encode(canonical, order="sorted")).digest())


def s256(text: str) -> str:
    """base64url(SHA-256(ascii)): the PKCE S256 challenge (RFC 7636 §4.2) and DPoP ``ath``."""
    return b64url(hashlib.sha256(text.encode("ascii")).digest())
