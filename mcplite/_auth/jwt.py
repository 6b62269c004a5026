"""JWT access tokens for the server: JWKs, signature policy and claims (layer 1).

RFC 7517 (JWK), RFC 7518 (algorithms), RFC 7519 (JWT claims), RFC 9068 (JWT access tokens).
Verification only, so nothing here needs to be constant-time except the final HMAC
comparison.  Supported: HS256/384/512 (``hmac``), RS256/384/512, PS256/384/512 and
ES256/384/512, whose arithmetic and compact-JWS parse are ``_auth/jose``'s (the one JOSE
module, shared with the OAuth client's signer); this module raises ``JWTError`` for what
``jose`` reports as ``JOSEError``.  ``alg=none`` is refused, the algorithm must be on the
caller's allow-list and fit the key's type and curve.

The clock is a parameter (``now``, seconds since the epoch): layer 1 reads no clock.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, NamedTuple

from .._auth import jose
from .._auth.bearer import DEFAULT_LEEWAY_SECONDS, TokenInfo, parse_scope
from .._auth.jose import CURVES, DEFAULT_MAX_JWT_BYTES, ES_CURVES, HASHES, JWS, JOSEError
from .._errors import RemoteProtocolError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "DEFAULT_MAX_JWT_BYTES",
    "JWS",
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

MIN_RSA_KEY_BITS: Final = 2048  # RFC 7518 §3.3 / §3.5
MAX_KEYS_TRIED: Final = 8  # candidate keys tried for one token without a matching kid
ASYMMETRIC_ALGORITHMS: Final = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
)  # fmt: skip


class JWTError(RemoteProtocolError):
    """The token is malformed, its signature does not verify, or a claim check failed."""


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
    try:
        return jose.b64url_decode(value)
    except JOSEError as exc:
        raise JWTError(str(exc)) from None


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
        curve = CURVES.get(crv) if isinstance(crv, str) else None
        if curve is None:
            raise JWTError(f"EC key {kid!r}: expected crv P-256, P-384 or P-521, got {crv!r}")
        x, y = _b64_int(jwk, "x"), _b64_int(jwk, "y")
        if not jose.on_curve(curve, x, y):
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
        return family == "ES" and ES_CURVES.get(alg) == key.crv
    return family == "HS"


def verify_signature(alg: str, key: Key, signing_input: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``alg`` over ``signing_input`` under ``key`` (False when the
    algorithm does not fit the key: an RSA key never verifies an HS256 token)."""
    if not _fits(alg, key) or alg[2:] not in HASHES or len(alg) != 5:
        return False
    bits = alg[2:]
    if isinstance(key, OctKey):
        if len(key.k) < int(bits) // 8:  # RFC 7518 §3.2: key at least the hash size
            return False
        mac = hmac.new(key.k, signing_input, HASHES[bits]).digest()
        return hmac.compare_digest(mac, signature)
    if isinstance(key, RSAKey):
        check = jose.rsa_pkcs1_v15_verify if alg[0] == "R" else jose.rsa_pss_verify
        return check(key.n, key.e, bits, signing_input, signature)
    curve = CURVES[key.crv]
    return jose.ecdsa_verify(curve, key.x, key.y, HASHES[bits](signing_input).digest(), signature)


# ---------------------------------------------------------------------------- tokens


def parse_jws(token: str | bytes, *, max_bytes: int = DEFAULT_MAX_JWT_BYTES) -> JWS:
    """Split and decode a JWS compact serialization (RFC 7515 §7.1) without verifying it."""
    try:
        return jose.parse_jws(token, max_bytes=max_bytes)
    except JOSEError as exc:
        raise JWTError(str(exc)) from None


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
