"""JWS compact tokens: parse and verify with the standard library only (layer 1).

RFC 7515 (JWS), RFC 7517 (JWK), RFC 7518 (algorithms), RFC 7519 (JWT claims), RFC 9068
(JWT access tokens).  Verification only, so nothing here needs to be constant-time except
the final HMAC comparison.  Supported: HS256/384/512 (``hmac``), RS256/384/512
(EMSA-PKCS1-v1_5 through ``pow``), PS256/384/512 (EMSA-PSS), ES256/384/512 (a small
Jacobian-coordinate implementation of the NIST prime curves).  ``alg=none`` is refused, the
algorithm must be on the caller's allow-list and fit the key's type and curve.

The clock is a parameter (``now``, seconds since the epoch): layer 1 reads no clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, NamedTuple

import msgspec

from .._auth.bearer import DEFAULT_LEEWAY_SECONDS, TokenInfo, parse_scope
from .._core import peerjson
from .._errors import RemoteProtocolError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "DEFAULT_MAX_JWT_BYTES",
    "MIN_RSA_KEY_BITS",
    "ECKey",
    "JWTError",
    "OctKey",
    "RSAKey",
    "decode_jwt",
    "key_from_jwk",
    "keys_from_jwks",
    "parse_jws",
    "token_info_from_claims",
    "validate_claims",
    "verify_signature",
]

DEFAULT_MAX_JWT_BYTES: Final = 16 * 1024
MIN_RSA_KEY_BITS: Final = 2048  # RFC 7518 §3.3 / §3.5
MAX_KEYS_TRIED: Final = 8  # candidate keys tried for one token without a matching kid
ASYMMETRIC_ALGORITHMS: Final = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
)  # fmt: skip
_HASH: Final = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
# RFC 8017 §9.2 note 1: DER DigestInfo prefixes.
_DIGEST_INFO: Final = {
    "256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
_B64URL: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class JWTError(RemoteProtocolError):
    """The token is malformed, its signature does not verify, or a claim check failed."""


# ---------------------------------------------------------------------------- curves


class _Curve(NamedTuple):
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


_CURVES: Final = {
    "P-256": _Curve(
        "P-256",
        0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
        32,
    ),
    "P-384": _Curve(
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
    "P-521": _Curve(
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
_ES_CURVE: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

_Point = tuple[int, int, int]  # Jacobian (X, Y, Z): x = X/Z^2, y = Y/Z^3; Z = 0 is infinity
_INF: Final[_Point] = (1, 1, 0)


def _double(pt: _Point, p: int) -> _Point:
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


def _add(a: _Point, b: _Point, p: int) -> _Point:
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


def _on_curve(c: _Curve, x: int, y: int) -> bool:
    return 0 <= x < c.p and 0 <= y < c.p and (y * y - (x * x * x - 3 * x + c.b)) % c.p == 0


def _ecdsa_verify(c: _Curve, qx: int, qy: int, digest: bytes, sig: bytes) -> bool:
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
    g: _Point = (c.gx, c.gy, 1)
    q: _Point = (qx, qy, 1)
    table = (_INF, g, q, _add(g, q, p))
    acc = _INF
    for i in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        acc = _double(acc, p)
        k = ((u1 >> i) & 1) | (((u2 >> i) & 1) << 1)
        if k:
            acc = _add(acc, table[k], p)
    x, _, z = acc
    if z == 0:
        return False
    zinv = pow(z, -1, p)
    return x * zinv * zinv % p % n == r


# ---------------------------------------------------------------------------- RSA


def _pkcs1_v15_verify(n: int, e: int, bits: str, message: bytes, sig: bytes) -> bool:
    """RFC 8017 §8.2.2: rebuild the expected encoding and compare (no ASN.1 parsing)."""
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = _DIGEST_INFO[bits] + _HASH[bits](message).digest()
    if k < len(t) + 11:
        return False
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def _mgf1(seed: bytes, length: int, bits: str) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += _HASH[bits](seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def _pss_verify(n: int, e: int, bits: str, message: bytes, sig: bytes) -> bool:
    """RFC 8017 §8.1.2 / §9.1.2 with MGF1 and salt length = hash length (RFC 7518 §3.5)."""
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em_bits = n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    m = pow(s, e, n)
    if m.bit_length() > em_bits:
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
    m_hash = _HASH[bits](message).digest()
    return hmac.compare_digest(_HASH[bits](b"\x00" * 8 + m_hash + salt).digest(), h)


# ---------------------------------------------------------------------------- keys


class RSAKey(NamedTuple):
    n: int
    e: int
    kid: str | None = None
    alg: str | None = None


class ECKey(NamedTuple):
    crv: str
    x: int
    y: int
    kid: str | None = None
    alg: str | None = None


class OctKey(NamedTuple):
    k: bytes
    kid: str | None = None
    alg: str | None = None


Key = RSAKey | ECKey | OctKey


def b64url_decode(value: str) -> bytes:
    """Unpadded base64url (RFC 7515 §2); ``JWTError`` for anything else."""
    if not _B64URL.issuperset(value) or len(value) % 4 == 1:
        raise JWTError(f"expected unpadded base64url, got {value[:40]!r}")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - excluded by the checks
        raise JWTError(f"expected base64url: {exc}") from None


def _b64_int(jwk: Mapping[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JWTError(f"JWK member {name!r} must be a base64url string, got {value!r}")
    return int.from_bytes(b64url_decode(value), "big")


def key_from_jwk(jwk: Mapping[str, Any]) -> Key:
    """A public (or symmetric) verification key from a JWK (RFC 7517 §4, RFC 7518 §6).

    Keys whose ``use`` is not ``sig`` or whose ``key_ops`` lack ``verify`` are refused.
    """
    kid = jwk.get("kid")
    alg = jwk.get("alg")
    kid = kid if isinstance(kid, str) else None
    alg = alg if isinstance(alg, str) else None
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise JWTError(f"JWK {kid!r} is for use {use!r}, not 'sig'")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise JWTError(f"JWK {kid!r} key_ops {ops!r} do not include 'verify'")
    kty = jwk.get("kty")
    if kty == "RSA":
        n, e = _b64_int(jwk, "n"), _b64_int(jwk, "e")
        if n.bit_length() < MIN_RSA_KEY_BITS:
            raise JWTError(f"RSA key {kid!r} has {n.bit_length()} bits, expected >= 2048")
        if e < 3 or e % 2 == 0:
            raise JWTError(f"RSA key {kid!r} has an invalid public exponent {e}")
        return RSAKey(n, e, kid, alg)
    if kty == "EC":
        crv = jwk.get("crv")
        curve = _CURVES.get(crv) if isinstance(crv, str) else None
        if curve is None:
            raise JWTError(f"EC key {kid!r}: expected crv P-256, P-384 or P-521, got {crv!r}")
        x, y = _b64_int(jwk, "x"), _b64_int(jwk, "y")
        if not _on_curve(curve, x, y):
            raise JWTError(f"EC key {kid!r}: the point is not on {curve.name}")
        return ECKey(curve.name, x, y, kid, alg)
    if kty == "oct":
        k = jwk.get("k")
        if not isinstance(k, str):
            raise JWTError(f"oct key {kid!r}: member 'k' must be a base64url string")
        return OctKey(b64url_decode(k), kid, alg)
    raise JWTError(f"JWK {kid!r}: expected kty RSA, EC or oct, got {kty!r}")


def keys_from_jwks(doc: Any) -> list[Key]:
    """Every usable key of a JWK Set (RFC 7517 §5); unusable keys are skipped (§5: "ignore
    JWKs ... that it does not understand")."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise JWTError("expected a JWK Set: an object with a 'keys' array")
    out: list[Key] = []
    for jwk in doc["keys"]:
        if isinstance(jwk, Mapping):
            try:
                out.append(key_from_jwk(jwk))
            except JWTError:
                continue
    return out


def _fits(alg: str, key: Key) -> bool:
    if key.alg is not None and key.alg != alg:
        return False
    family = alg[:2]
    if isinstance(key, RSAKey):
        return family in ("RS", "PS")
    if isinstance(key, ECKey):
        return family == "ES" and _ES_CURVE.get(alg) == key.crv
    return family == "HS"


def verify_signature(alg: str, key: Key, signing_input: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``alg`` over ``signing_input`` under ``key`` (False when the
    algorithm does not fit the key: an RSA key never verifies an HS256 token)."""
    if not _fits(alg, key) or alg[2:] not in _HASH or len(alg) != 5:
        return False
    bits = alg[2:]
    if isinstance(key, OctKey):
        if len(key.k) < int(bits) // 8:  # RFC 7518 §3.2: key at least the hash size
            return False
        mac = hmac.new(key.k, signing_input, _HASH[bits]).digest()
        return hmac.compare_digest(mac, signature)
    if isinstance(key, RSAKey):
        check = _pkcs1_v15_verify if alg[0] == "R" else _pss_verify
        return check(key.n, key.e, bits, signing_input, signature)
    curve = _CURVES[key.crv]
    return _ecdsa_verify(curve, key.x, key.y, _HASH[bits](signing_input).digest(), signature)


# ---------------------------------------------------------------------------- tokens


class JWS(NamedTuple):
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        peerjson.check(data)
        value = msgspec.json.decode(data)
    except peerjson.InvalidJSON as exc:
        raise JWTError(f"the JWT {what} is not JSON: {exc.message}") from None
    except msgspec.DecodeError as exc:
        raise JWTError(f"the JWT {what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise JWTError(f"expected the JWT {what} to be a JSON object, got {type(value).__name__}")
    return value


def parse_jws(token: str | bytes, *, max_bytes: int = DEFAULT_MAX_JWT_BYTES) -> JWS:
    """Split and decode a JWS compact serialization (RFC 7515 §7.1) without verifying it."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise JWTError("a JWT is ASCII") from None
    if len(token) > max_bytes:
        raise JWTError(f"the JWT is longer than {max_bytes} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        raise JWTError(f"expected a JWS compact serialization (3 parts), got {len(parts)}")
    header = _json_object(b64url_decode(parts[0]), "header")
    claims = _json_object(b64url_decode(parts[1]), "claims")
    signature = b64url_decode(parts[2])
    return JWS(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _num(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JWTError(f"claim {name!r} must be a NumericDate, got {value!r}")
    return float(value)


def _norm_aud(value: str) -> str:
    return value[:-1] if value.endswith("/") else value


def validate_claims(
    claims: Mapping[str, Any],
    *,
    now: float,
    leeway: float = DEFAULT_LEEWAY_SECONDS,
    issuer: str | None = None,
    audience: str | Collection[str] | None = None,
    required: Iterable[str] = ("exp",),
) -> None:
    """RFC 7519 §4.1 checks: ``exp``/``nbf``/``iat`` within ``leeway``, exact ``iss``, and an
    ``aud`` naming one of ``audience`` (RFC 8707 resource; a trailing slash is tolerated)."""
    for name in required:
        if name not in claims:
            raise JWTError(f"the JWT lacks the required claim {name!r}")
    exp = _num(claims, "exp")
    if exp is not None and now > exp + leeway:
        raise JWTError("the JWT expired")
    nbf = _num(claims, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise JWTError("the JWT is not valid yet (nbf)")
    iat = _num(claims, "iat")
    if iat is not None and now + leeway < iat:
        raise JWTError("the JWT was issued in the future (iat)")
    if issuer is not None and claims.get("iss") != issuer:
        raise JWTError(f"expected issuer {issuer!r}, got {claims.get('iss')!r}")
    if audience is not None:
        wanted = (
            {_norm_aud(audience)} if isinstance(audience, str) else {_norm_aud(a) for a in audience}
        )
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not any(isinstance(a, str) and _norm_aud(a) in wanted for a in auds):
            raise JWTError(f"the JWT audience {aud!r} does not include {sorted(wanted)!r}")


def decode_jwt(
    token: str | bytes,
    keys: Iterable[Key],
    *,
    algorithms: Collection[str],
    now: float,
    leeway: float = DEFAULT_LEEWAY_SECONDS,
    issuer: str | None = None,
    audience: str | Collection[str] | None = None,
    required: Iterable[str] = ("exp",),
    typ: str | None = None,
    max_bytes: int = DEFAULT_MAX_JWT_BYTES,
) -> JWS:
    """Parse, verify the signature with a key chosen by ``kid``/``alg``, check the claims.

    ``typ`` (e.g. ``"at+jwt"``, RFC 9068 §4) is compared case-insensitively, with or without
    the ``application/`` prefix.  Raises ``JWTError`` on any failure.
    """
    jws = parse_jws(token, max_bytes=max_bytes)
    header = jws.header
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise JWTError(f"unsigned or unknown JWS alg {alg!r}")
    if alg not in algorithms:
        raise JWTError(f"JWS alg {alg!r} is not allowed (allowed: {sorted(algorithms)})")
    if "crit" in header:  # RFC 7515 §4.1.11: we understand no extensions
        raise JWTError(f"unsupported critical JWS header parameters {header['crit']!r}")
    if typ is not None:
        got = header.get("typ")
        got_s = got.lower().removeprefix("application/") if isinstance(got, str) else None
        if got_s != typ.lower().removeprefix("application/"):
            raise JWTError(f"expected JWT typ {typ!r}, got {got!r}")
    kid = header.get("kid")
    candidates = [k for k in keys if _fits(alg, k) and (kid is None or k.kid == kid)][
        :MAX_KEYS_TRIED
    ]
    if not candidates:
        raise JWTError(f"no key fits kid {kid!r} and alg {alg!r}")
    if not any(verify_signature(alg, k, jws.signing_input, jws.signature) for k in candidates):
        raise JWTError("the JWT signature does not verify")
    validate_claims(
        jws.claims, now=now, leeway=leeway, issuer=issuer, audience=audience, required=required
    )
    return jws


def token_info_from_claims(claims: Mapping[str, Any]) -> TokenInfo:
    """JWT access-token claims (RFC 9068 §2.2, RFC 7662 §2.2) as ``TokenInfo``.

    Scopes come from ``scope`` (a space-separated string) or ``scp`` (a list, used by some
    issuers); ``client_id`` falls back to ``azp``.
    """
    scope = claims.get("scope")
    scp = claims.get("scp")
    if isinstance(scope, str):
        scopes = parse_scope(scope)
    elif isinstance(scp, list):
        scopes = frozenset(s for s in scp if isinstance(s, str))
    else:
        scopes = frozenset()
    aud = claims.get("aud")
    audience = (
        (aud,)
        if isinstance(aud, str)
        else tuple(a for a in aud if isinstance(a, str))
        if isinstance(aud, list)
        else ()
    )
    exp = claims.get("exp")
    client_id = claims.get("client_id", claims.get("azp"))

    def text(v: Any) -> str | None:
        return v if isinstance(v, str) else None

    return TokenInfo(
        subject=text(claims.get("sub")) or text(claims.get("username")),
        client_id=text(client_id),
        scopes=scopes,
        expires_at=float(exp)
        if isinstance(exp, (int, float)) and not isinstance(exp, bool)
        else None,
        audience=audience,
        issuer=text(claims.get("iss")),
        claims=dict(claims),
    )
