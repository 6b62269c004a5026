"""_auth/jose: the optional `cryptography` signing backend and its pure-Python fallback,
P-256 point arithmetic at its edges, and DER/PEM private-key parsing (malformed input is a
JOSEError)."""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, strategies as st

from mcplite._auth import jose as jose
from mcplite._auth.jose import (
    ECPrivateKey,
    JOSEError,
    RSAPrivateKey,
    load_private_key,
    sign_jwt,
    signing_backend,
)
from mcplite._client import oauth_flows

from ._verify_jwt import verify_jwt


@pytest.fixture
def fresh_backend() -> Iterator[None]:
    """Forget the cached backend choice before and after, so each test decides afresh."""
    jose._native.cache_clear()
    oauth_flows._announced = False
    yield
    jose._native.cache_clear()
    oauth_flows._announced = False


def _hide_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [n for n in sys.modules if n == "cryptography" or n.startswith("cryptography.")]
    for name in {"cryptography", *names}:
        monkeypatch.setitem(sys.modules, name, None)  # makes `import` raise ImportError


def test_fallback_is_pure_python_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_backend: None
) -> None:
    _hide_cryptography(monkeypatch)
    with caplog.at_level(logging.INFO, logger=oauth_flows.__name__):
        assert signing_backend() == "pure-python"
        oauth_flows.DPoPKey()
        oauth_flows.DPoPKey()
        ec, rsa_key = ECPrivateKey(7), RSAPrivateKey(*_small_rsa_2048())
        assert ec.sign(b"x") == ec._sign_pure(b"x")
        assert rsa_key.sign(b"x") == rsa_key._sign_pure(b"x")
        token = sign_jwt(ec, {"sub": "a"})
        assert verify_jwt(token, ec.public_jwk()) == {"sub": "a"}
        assert signing_backend() == "pure-python"
    records = [r for r in caplog.records if r.name == oauth_flows.__name__]
    assert len(records) == 1, "the fallback is announced once"
    assert records[0].levelno == logging.INFO
    message = records[0].getMessage()
    assert "not constant time" in message and "pip install mcplite[auth]" in message


def _small_rsa_2048() -> tuple[int, int, int]:
    """A fixed RSA (n, e, d) of 3482 bits from the Mersenne primes 2**1279-1 and 2**2203-1."""
    p, q, e = 2**1279 - 1, 2**2203 - 1, 65537
    return p * q, e, pow(e, -1, (p - 1) * (q - 1))


# ---------------------------------------------------------------- with `cryptography`


@pytest.fixture(scope="module")
def rsa_pem() -> dict[str, str]:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    formats = {
        "PKCS8": serialization.PrivateFormat.PKCS8,
        "TraditionalOpenSSL": serialization.PrivateFormat.TraditionalOpenSSL,
    }
    return {
        name: key.private_bytes(
            serialization.Encoding.PEM, fmt, serialization.NoEncryption()
        ).decode("ascii")
        for name, fmt in formats.items()
    }


@pytest.fixture(scope="module")
def ec_pem() -> dict[str, str]:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    formats = {
        "PKCS8": serialization.PrivateFormat.PKCS8,
        "TraditionalOpenSSL": serialization.PrivateFormat.TraditionalOpenSSL,
    }
    return {
        name: key.private_bytes(
            serialization.Encoding.PEM, fmt, serialization.NoEncryption()
        ).decode("ascii")
        for name, fmt in formats.items()
    }


def test_backend_is_cryptography_when_installed(fresh_backend: None) -> None:
    pytest.importorskip("cryptography")
    assert signing_backend() == "cryptography"


@pytest.mark.parametrize("fmt", ["PKCS8", "TraditionalOpenSSL"])
def test_es256_backends_verify_each_other(ec_pem: dict[str, str], fmt: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    key = load_private_key(ec_pem[fmt])
    assert isinstance(key, ECPrivateKey)
    public = serialization.load_pem_private_key(ec_pem[fmt].encode(), None).public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    data = b"header.payload"
    # cryptography's signature, checked by the pure-Python verifier.
    token = sign_jwt(key, {"sub": "native"})
    assert verify_jwt(token, key.public_jwk()) == {"sub": "native"}
    native = key.sign(data)
    assert len(native) == 64
    # The pure-Python signature, checked by cryptography (R || S re-encoded as DER).
    for signature in (key._sign_pure(data), native):
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        public.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    bad = key._sign_pure(b"other")
    r, s = int.from_bytes(bad[:32], "big"), int.from_bytes(bad[32:], "big")
    with pytest.raises(InvalidSignature):
        public.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("fmt", ["PKCS8", "TraditionalOpenSSL"])
def test_rs256_backends_are_byte_identical(rsa_pem: dict[str, str], fmt: str) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = load_private_key(rsa_pem[fmt])
    assert isinstance(key, RSAPrivateKey)
    data = b"header.payload"
    native = key.sign(data)
    assert native == key._sign_pure(data)  # PKCS#1 v1.5 is deterministic
    public = serialization.load_pem_private_key(rsa_pem[fmt].encode(), None).public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(key._sign_pure(data), data, padding.PKCS1v15(), hashes.SHA256())
    token = sign_jwt(key, {"sub": "rsa"})
    assert verify_jwt(token, key.public_jwk()) == {"sub": "rsa"}
    cached = key._native_key
    assert cached is not None and key.sign(b"again") and key._native_key is cached


def test_rfc6979_vector_through_the_backend() -> None:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.backends.openssl import backend

    if not backend.ecdsa_deterministic_supported():
        pytest.skip("this OpenSSL has no deterministic ECDSA; signatures differ but verify")
    # RFC 6979 A.2.5: deterministic nonces make both backends agree byte for byte.
    key = ECPrivateKey(0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721)
    assert key.sign(b"sample") == key._sign_pure(b"sample")
    assert key.sign(b"sample")[:4].hex() == "efd48b2a"


def test_inconsistent_rsa_key_is_refused_by_the_backend(
    rsa_pem: dict[str, str], fresh_backend: None
) -> None:
    key = load_private_key(rsa_pem["PKCS8"])
    assert isinstance(key, RSAPrivateKey)
    wrong = RSAPrivateKey(key.n, key.e, key.d + 2)
    with pytest.raises(JOSEError, match="expected a consistent RSA key"):
        wrong.sign(b"x")


# ---------------------------------------------------------------- DER / PEM parsing


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode()
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


_OID_OTHER = bytes.fromhex("2b0601")


def test_point_addition_edge_cases() -> None:
    p256 = jose.P256
    g = (p256.gx, p256.gy, 1)
    assert jose._add(jose._INF, g, p256.p) == g
    assert jose._add(g, jose._INF, p256.p) == g
    negated = (p256.gx, (-p256.gy) % p256.p, 1)
    assert jose._affine(jose._add(g, negated, p256.p), p256.p) is None
    assert jose._affine(jose._mul(p256.n, g, p256.p), p256.p) is None  # n·G is infinity
    assert jose._affine(jose._mul(p256.n + 1, g, p256.p), p256.p) == (p256.gx, p256.gy)


@pytest.mark.parametrize(
    ("der", "message"),
    [
        (b"\x30", "truncated DER"),
        (b"\x30\x80", "unsupported DER length"),
        (b"\x30\x85\x00\x00\x00\x00\x01", "unsupported DER length"),
        (b"\x30\x82\x01", "unsupported DER length"),
        (b"\x30\x05\x02\x01", "truncated DER"),
        (b"\x02\x01\x00", "expected a DER SEQUENCE"),
    ],
)
def test_malformed_der_is_a_jose_error(der: bytes, message: str) -> None:
    with pytest.raises(jose.JOSEError, match=message):
        jose.load_private_key(_pem("EC PRIVATE KEY", der))


def test_long_form_der_length_is_accepted() -> None:
    # a SEC1 key padded so its SEQUENCE needs a long-form length (0x81 nn)
    body = _der(0x02, b"\x01") + _der(0x04, b"\x00" * 31 + b"\x07") + _der(0xA1, b"\x00" * 130)
    key = jose.load_private_key(_pem("EC PRIVATE KEY", _der(0x30, body)))
    assert isinstance(key, jose.ECPrivateKey)
    assert key.public_jwk()["kty"] == "EC"


def test_sec1_with_other_curve_is_rejected() -> None:
    body = (
        _der(0x02, b"\x01")
        + _der(0x04, b"\x00" * 31 + b"\x07")
        + _der(0xA0, _der(0x06, _OID_OTHER))
    )
    with pytest.raises(jose.JOSEError, match="expected a P-256 key"):
        jose.load_private_key(_pem("EC PRIVATE KEY", _der(0x30, body)))


def test_pkcs8_with_other_curve_or_algorithm_is_rejected() -> None:
    sec1 = _der(0x30, _der(0x02, b"\x01") + _der(0x04, b"\x00" * 31 + b"\x07"))
    algorithm = _der(0x30, _der(0x06, jose._OID_EC) + _der(0x06, _OID_OTHER))
    pkcs8 = _der(0x30, _der(0x02, b"\x00") + algorithm + _der(0x04, sec1))
    with pytest.raises(jose.JOSEError, match="expected a P-256 key"):
        jose.load_private_key(_pem("PRIVATE KEY", pkcs8))
    algorithm = _der(0x30, _der(0x06, _OID_OTHER))
    pkcs8 = _der(0x30, _der(0x02, b"\x00") + algorithm + _der(0x04, sec1))
    with pytest.raises(jose.JOSEError, match="expected an EC"):
        jose.load_private_key(_pem("PRIVATE KEY", pkcs8))
    # an empty AlgorithmIdentifier has no OID at all
    pkcs8 = _der(0x30, _der(0x02, b"\x00") + _der(0x30, b"") + _der(0x04, sec1))
    with pytest.raises(jose.JOSEError, match="expected an EC"):
        jose.load_private_key(_pem("PRIVATE KEY", pkcs8))


@given(st.binary(max_size=64))
def test_load_private_key_fuzz(der: bytes) -> None:
    for label in ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"):
        try:
            key = jose.load_private_key(_pem(label, der))
        except jose.JOSEError:
            continue
        assert isinstance(key, jose.ECPrivateKey | jose.RSAPrivateKey)
