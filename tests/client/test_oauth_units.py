"""Pure OAuth client pieces: JOSE, challenges, discovery URLs, scopes, iss, PKCE."""

from __future__ import annotations

import hashlib
import socket
from typing import Any

import pytest

from mcplite._auth.jose import (
    ECPrivateKey,
    JOSEError,
    RSAPrivateKey,
    b64url,
    b64url_decode,
    jwk_thumbprint,
    load_private_key,
    parse_jws,
    s256,
    sign_jwt,
)
from mcplite._auth.oauth_metadata import (
    AuthorizationServerMetadata,
    ClientInformation,
    OAuthError,
    ProtectedResourceMetadata,
    address_class,
    as_metadata_candidates,
    authorization_url,
    canonical_resource,
    challenge_param,
    check_endpoint,
    check_iss,
    check_metadata_url,
    choose_auth_method,
    decode_json,
    error_message,
    legacy_metadata,
    parse_www_authenticate,
    prm_candidates,
    resource_matches,
    select_scopes,
)
from mcplite._client.oauth import OAuthClient
from mcplite._client.oauth_grants import ClientCredentials

from ..auth._verify_jwt import verify_jwt

EC_PKCS8 = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbj/2NPoXWLvmccUh
b0rf/1sXfRsUyK1UkQfEgXQ3inihRANCAARUe09pDkVyEzKWoJH/gkgmbIjJ45jw
VfAsA8BqAiPPyfe2Jc2KRvaIFgiADbJkbTew3uLeHwTtksollrOM0ZJK
-----END PRIVATE KEY-----
"""

EC_SEC1 = """\
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIG4/9jT6F1i75nHFIW9K3/9bF30bFMitVJEHxIF0N4p4oAoGCCqGSM49
AwEHoUQDQgAEVHtPaQ5FchMylqCR/4JIJmyIyeOY8FXwLAPAagIjz8n3tiXNikb2
iBYIgA2yZG03sN7i3h8E7ZLKJZazjNGSSg==
-----END EC PRIVATE KEY-----
"""

RSA_PKCS1 = """\
-----BEGIN RSA PRIVATE KEY-----
MIIEpQIBAAKCAQEAxX8/39cDT2x9PpPv0MxRXcwncZ3fX2GFuhvTNDaRN1IanXCU
NY9XZc77+6qD0RrnBh0hMv0cW8e/NGTCnqlMyWk7cndp2v1tNIGV/+XxhpyGyDEq
l4PF505T4mfU+hIDQhmaybnn90I1kVH9sZyXIGczkod0lV6IcMHHolz1qN4QscDS
EurR79kEwLLocdeobp90Jf1gEwVdnFleRXbKBrK3DApGj06fsiWnrXgKm0yDEBo2
THk0LLoU6lFxXi+5BhHnYN6LPnqNxO91HqNzJKNiMhH01YeqUDOwdS5Sdyj0YMzj
tAKzRAy+xOLlQfeA5iWjUp7XZ7LFrQvehTYAoQIDAQABAoIBAARkWz3Zqs49rPaa
/L2fiJTx2wPz4UV+TkZ0c1TFPKMev16mU/Zxtc1q3ifTa79nBjGYrN4E2thH67ax
IbKcdFujjGXUFeGfyomdEuJUKVQPd7Acp0xDqv9VCqilm1r1EvdZqUuAh9ID6fvt
h0s3jrUS1HbXDjK67aT3yz4vK+ulnBAeIG5MBm7Rguxolt2f/SMJp2leDlz4ECjy
iLwqhyCgUcRlKGWRhi6pwzf9tCy/7lojqp8aQIi/DKn6WjsHS1+GIN9auRVv7CN5
B4Ssod6ssNshJ47Up8pdS6JHLoQG+tdx45Mlk4yG1UT+SSHmMHypg3IjeLfkNIs6
d/NbOgECgYEA85aOQHMVuVAfAdJSu5OPNCmFg+KxOkuqZ2IavgwcDUgrBB5FjGaB
ijViJxecfAnF5HJHyWNZrA74ID/1E2GSg/bM/b68qyVMQiSHsh4niu1E3BuBVN7P
cLa4FxoCEDfeDc0GJGMKhU6qxrAqIaXBPvv+DFtuVVmynshBhpsWFwECgYEAz493
jBJi6m7tbHTYVow2u7uw/DFBSFg22prGSLb8g9QLr697AyscBFFJ8JWFG4wd8mDp
bDzU/OQvNE0WXdqfDALf40IOehJwbPPootU/Ws60Ix5YvCiF5tez9hY6uzZCIVWt
Hu4NMLfIbmPomIsVmHAQ+kfF1hg+5H+XZ/wCiaECgYEAl8eEM9yB+MpXx8bKDl9P
p+0HaLpkPDLRp0GV8D2TbSM+yn4iT+2/YeMJmdo4g4GDcWlUGcRyJ6fcLBwuFTmD
Ff8+lA25edrvvXcNporrkMFvWsc4uy1qjI0OADcQehKVpnvOC/Y6o/30o4E5f2XN
F/XkwsZl5YDSr+WQDtOr3AECgYEAqPqpHh1d8HQs0S5zbkqqyL4ugbLr7iT7S4/U
PCDVhdHdTcO0h0jSf2VaqAZinqG9Q7XIc7k2wUhYceEMg45YC+RPN+pwdMuMQfd0
/xRThu9f0nODVHQ9R0l3FrLUT9QFlLP2xIaTsIT/JXgrRf19sGQUPl6uXvXQRiDm
N98AheECgYEAozT2x45yygIdJJRo9qcE893n6dE75jlb7Jg2pa1FPQmR72JQ6qOQ
IVvZ6fKru6+KifYJxv2XpEpp5z/iY4atvcNWnau7bwyIGQFhrZsNGY+/mfAfYfUo
k2AvIXEGTuJhJd5eDd96UlJN9EvBXKH5yeWNoGU64u+CqyCK+eoWM84=
-----END RSA PRIVATE KEY-----
"""

RSA_PKCS8 = """\
-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDFfz/f1wNPbH0+
k+/QzFFdzCdxnd9fYYW6G9M0NpE3UhqdcJQ1j1dlzvv7qoPRGucGHSEy/Rxbx780
ZMKeqUzJaTtyd2na/W00gZX/5fGGnIbIMSqXg8XnTlPiZ9T6EgNCGZrJuef3QjWR
Uf2xnJcgZzOSh3SVXohwwceiXPWo3hCxwNIS6tHv2QTAsuhx16hun3Ql/WATBV2c
WV5FdsoGsrcMCkaPTp+yJaeteAqbTIMQGjZMeTQsuhTqUXFeL7kGEedg3os+eo3E
73Ueo3Mko2IyEfTVh6pQM7B1LlJ3KPRgzOO0ArNEDL7E4uVB94DmJaNSntdnssWt
C96FNgChAgMBAAECggEABGRbPdmqzj2s9pr8vZ+IlPHbA/PhRX5ORnRzVMU8ox6/
XqZT9nG1zWreJ9Nrv2cGMZis3gTa2EfrtrEhspx0W6OMZdQV4Z/KiZ0S4lQpVA93
sBynTEOq/1UKqKWbWvUS91mpS4CH0gPp++2HSzeOtRLUdtcOMrrtpPfLPi8r66Wc
EB4gbkwGbtGC7GiW3Z/9IwmnaV4OXPgQKPKIvCqHIKBRxGUoZZGGLqnDN/20LL/u
WiOqnxpAiL8MqfpaOwdLX4Yg31q5FW/sI3kHhKyh3qyw2yEnjtSnyl1LokcuhAb6
13HjkyWTjIbVRP5JIeYwfKmDciN4t+Q0izp381s6AQKBgQDzlo5AcxW5UB8B0lK7
k480KYWD4rE6S6pnYhq+DBwNSCsEHkWMZoGKNWInF5x8CcXkckfJY1msDvggP/UT
YZKD9sz9vryrJUxCJIeyHieK7UTcG4FU3s9wtrgXGgIQN94NzQYkYwqFTqrGsCoh
pcE++/4MW25VWbKeyEGGmxYXAQKBgQDPj3eMEmLqbu1sdNhWjDa7u7D8MUFIWDba
msZItvyD1Auvr3sDKxwEUUnwlYUbjB3yYOlsPNT85C80TRZd2p8MAt/jQg56EnBs
8+ii1T9azrQjHli8KIXm17P2Fjq7NkIhVa0e7g0wt8huY+iYixWYcBD6R8XWGD7k
f5dn/AKJoQKBgQCXx4Qz3IH4ylfHxsoOX0+n7QdoumQ8MtGnQZXwPZNtIz7KfiJP
7b9h4wmZ2jiDgYNxaVQZxHInp9wsHC4VOYMV/z6UDbl52u+9dw2miuuQwW9axzi7
LWqMjQ4ANxB6EpWme84L9jqj/fSjgTl/Zc0X9eTCxmXlgNKv5ZAO06vcAQKBgQCo
+qkeHV3wdCzRLnNuSqrIvi6BsuvuJPtLj9Q8INWF0d1Nw7SHSNJ/ZVqoBmKeob1D
tchzuTbBSFhx4QyDjlgL5E836nB0y4xB93T/FFOG71/Sc4NUdD1HSXcWstRP1AWU
s/bEhpOwhP8leCtF/X2wZBQ+Xq5e9dBGIOY33wCF4QKBgQCjNPbHjnLKAh0klGj2
pwTz3efp0TvmOVvsmDalrUU9CZHvYlDqo5AhW9np8qu7r4qJ9gnG/ZekSmnnP+Jj
hq29w1adq7tvDIgZAWGtmw0Zj7+Z8B9h9SiTYC8hcQZO4mEl3l4N33pSUk30S8Fc
ofnJ5Y2gZTri74KrIIr56hYzzg==
-----END PRIVATE KEY-----
"""


# ---------------------------------------------------------------- JOSE


def test_rfc6979_vector_p256_sha256_sample() -> None:
    # RFC 6979 A.2.5, P-256 with SHA-256, message "sample".
    key = ECPrivateKey(0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721)
    sig = key.sign(b"sample")
    assert sig[:32].hex().upper() == (
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
    )
    assert sig[32:].hex().upper() == (
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"
    )


@pytest.mark.parametrize("pem", [EC_PKCS8, EC_SEC1, RSA_PKCS1, RSA_PKCS8])
def test_pem_keys_sign_and_verify(pem: str) -> None:
    key = load_private_key(pem)
    token = sign_jwt(key, {"sub": "x", "n": 1}, {"kid": "k1"})
    header, _claims, _, _ = parse_jws(token)
    assert header == {"alg": key.alg, "typ": "JWT", "kid": "k1"}
    assert verify_jwt(token, key.public_jwk()) == {"sub": "x", "n": 1}
    forged = token.rsplit(".", 1)[0] + "." + b64url(bytes(len(key.sign(b"x"))))
    with pytest.raises(JOSEError):
        verify_jwt(forged, key.public_jwk())


def test_same_key_from_pkcs1_and_pkcs8() -> None:
    a, b = load_private_key(RSA_PKCS1), load_private_key(RSA_PKCS8)
    assert a.public_jwk() == b.public_jwk()
    assert (
        load_private_key(EC_PKCS8.encode()).public_jwk() == load_private_key(EC_SEC1).public_jwk()
    )


@pytest.mark.parametrize(
    "pem",
    [
        "not a pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nBAA=\n-----END PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMIEA\n-----END PRIVATE KEY-----",
    ],
)
def test_bad_pem_rejected(pem: str) -> None:
    with pytest.raises(JOSEError):
        load_private_key(pem)


def test_key_limits() -> None:
    with pytest.raises(JOSEError):
        ECPrivateKey(0)
    with pytest.raises(JOSEError, match="2048"):
        RSAPrivateKey(3233, 17, 2753)
    assert ECPrivateKey.from_bytes(b"\xff" * 40).d > 0


def test_jwt_decoding_errors() -> None:
    with pytest.raises(JOSEError, match="3 parts"):
        parse_jws("a.b")
    with pytest.raises(JOSEError, match="not JSON"):
        parse_jws(b64url(b"{") + "." + b64url(b"{}") + ".")
    with pytest.raises(JOSEError, match="JSON object"):
        parse_jws(b64url(b"[]") + "." + b64url(b"{}") + ".")
    with pytest.raises(JOSEError, match="base64url"):
        b64url_decode("a")
    key = ECPrivateKey(7)
    with pytest.raises(JOSEError, match="unsupported alg"):
        verify_jwt(sign_jwt(key, {}), {"kty": "RSA", "n": "AQ", "e": "AQ"})
    token = sign_jwt(key, {})
    bad_sig = token.rsplit(".", 1)[0] + "." + b64url(b"\x00" * 64)
    with pytest.raises(JOSEError, match="bad ES256 signature"):
        verify_jwt(bad_sig, key.public_jwk())
    off_curve = dict(key.public_jwk(), y=b64url(b"\x01" * 32))
    with pytest.raises(JOSEError, match="key"):
        verify_jwt(token, off_curve)
    other = ECPrivateKey(8)
    with pytest.raises(JOSEError, match="does not verify"):
        verify_jwt(token, other.public_jwk())


def test_thumbprint_rfc7638_example() -> None:
    # RFC 7638 §3.1 example RSA key.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L"
        "6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
        "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt"
        "-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    ec = ECPrivateKey(5).public_jwk()
    assert jwk_thumbprint(ec) == jwk_thumbprint(dict(reversed(list(ec.items()))))


def test_pkce_s256_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert s256("tok") == b64url(hashlib.sha256(b"tok").digest())


# ---------------------------------------------------------------- challenges


def test_www_authenticate_parsing() -> None:
    value = (
        'Bearer error="insufficient_scope", scope="a b", '
        'resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", '
        'error_description="say \\"hi\\""'
    )
    [bearer] = parse_www_authenticate(value)
    assert bearer.scheme == "bearer"
    assert bearer.params["scope"] == "a b"
    assert bearer.params["error_description"] == 'say "hi"'
    many = parse_www_authenticate("Basic realm=x, DPoP Error=use_dpop_nonce, Negotiate abc==, X")
    assert [c.scheme for c in many] == ["basic", "dpop", "negotiate", "x"]
    assert challenge_param(many, "error") == "use_dpop_nonce"
    assert challenge_param(many, "realm") == "x"
    assert challenge_param(many, "scope") is None
    assert parse_www_authenticate("") == []
    assert parse_www_authenticate("=oops") == []
    assert parse_www_authenticate("Basic, Bearer a=b")[1].params == {"a": "b"}


# ---------------------------------------------------------------- discovery URLs


def test_prm_candidates_order() -> None:
    assert prm_candidates("https://h.example/public/mcp", None) == [
        "https://h.example/.well-known/oauth-protected-resource/public/mcp",
        "https://h.example/.well-known/oauth-protected-resource",
    ]
    assert prm_candidates("https://h.example/", "https://h.example/meta") == [
        "https://h.example/meta",
        "https://h.example/.well-known/oauth-protected-resource",
    ]


def test_as_metadata_candidates_order() -> None:
    assert as_metadata_candidates("https://a.example/tenant1") == [
        "https://a.example/.well-known/oauth-authorization-server/tenant1",
        "https://a.example/.well-known/openid-configuration/tenant1",
        "https://a.example/tenant1/.well-known/openid-configuration",
    ]
    assert as_metadata_candidates("https://a.example") == [
        "https://a.example/.well-known/oauth-authorization-server",
        "https://a.example/.well-known/openid-configuration",
    ]


def test_legacy_default_endpoints() -> None:
    asm = legacy_metadata("http://localhost:9/mcp")
    assert asm.issuer == "http://localhost:9"
    assert asm.authorization_endpoint == "http://localhost:9/authorize"
    assert asm.token_endpoint == "http://localhost:9/token"
    assert asm.registration_endpoint == "http://localhost:9/register"


def test_canonical_resource_and_matching() -> None:
    assert canonical_resource("HTTPS://MCP.Example.com/mcp#frag") == "https://mcp.example.com/mcp"
    assert canonical_resource("https://mcp.example.com/") == "https://mcp.example.com"
    assert resource_matches("https://h.example/mcp", "https://h.example/mcp")
    assert resource_matches("https://h.example", "https://h.example/mcp")
    assert not resource_matches("https://h.example/mc", "https://h.example/mcp")
    assert not resource_matches("https://evil.example/mcp", "https://h.example/mcp")


def test_check_endpoint() -> None:
    assert check_endpoint("https://a/token", "t") == "https://a/token"
    with pytest.raises(OAuthError, match="https"):
        check_endpoint("javascript:alert(1)", "authorization endpoint")


# ---------------------------------------------------------------- scopes, iss, URLs


def _asm(**kw: Any) -> AuthorizationServerMetadata:
    return AuthorizationServerMetadata(issuer="https://as.example", **kw)


def test_scope_selection() -> None:
    prm = ProtectedResourceMetadata(resource="r", scopes_supported=["x", "y"])
    assert select_scopes("a b", prm, None) == ["a", "b"]
    assert select_scopes(None, prm, None) == ["x", "y"]
    assert select_scopes(None, None, None) == []
    assert select_scopes(None, ProtectedResourceMetadata(resource="r"), None) == []
    offline = _asm(scopes_supported=["a", "offline_access"])
    assert select_scopes("a", None, offline) == ["a", "offline_access"]
    assert select_scopes("a", None, offline, offline_access=False) == ["a"]
    assert select_scopes(None, None, offline) == []  # nothing asked: nothing added
    assert select_scopes("w", None, None, previous=["a", "w"]) == ["a", "w"]


@pytest.mark.parametrize(
    ("advertised", "iss", "ok"),
    [
        (True, "https://as.example", True),
        (True, None, False),
        (True, "https://as.example/", False),  # trailing slash: not normalised away
        (True, "HTTPS://as.example", False),
        (True, "https://as.example:443", False),
        (False, None, True),
        (False, "https://as.example", True),
        (False, "https://evil.example", False),
    ],
)
def test_iss_validation(advertised: bool, iss: str | None, ok: bool) -> None:
    asm = _asm(authorization_response_iss_parameter_supported=advertised)
    if ok:
        check_iss(asm, iss)
    else:
        with pytest.raises(OAuthError):
            check_iss(asm, iss)


def test_authorization_url() -> None:
    url = authorization_url(
        "https://as.example/authorize?tenant=1",
        client_id="c",
        redirect_uri="http://127.0.0.1:1/cb",
        state="s",
        code_challenge="ch",
        resource="https://mcp.example/mcp",
        scopes=["a", "b"],
    )
    assert url.startswith("https://as.example/authorize?tenant=1&response_type=code&client_id=c")
    assert "code_challenge_method=S256" in url and "scope=a+b" in url
    assert "resource=https%3A%2F%2Fmcp.example%2Fmcp" in url
    bare = authorization_url(
        "https://as.example/authorize",
        client_id="c",
        redirect_uri="r",
        state="s",
        code_challenge="c",
        resource="x",
        scopes=[],
    )
    assert "scope" not in bare and "?response_type" in bare


def test_choose_auth_method() -> None:
    secret = ClientInformation(client_id="c", client_secret="s")
    public = ClientInformation(client_id="c")
    told = ClientInformation(client_id="c", token_endpoint_auth_method="client_secret_post")
    assert choose_auth_method(_asm(), told, False) == "client_secret_post"
    assert choose_auth_method(_asm(), secret, False) == "client_secret_basic"
    post_only = _asm(token_endpoint_auth_methods_supported=["client_secret_post"])
    assert choose_auth_method(post_only, secret, False) == "client_secret_post"
    none_only = _asm(token_endpoint_auth_methods_supported=["none"])
    assert choose_auth_method(none_only, secret, False) == "client_secret_basic"
    assert choose_auth_method(none_only, public, False) == "none"
    jwt = _asm(token_endpoint_auth_methods_supported=["private_key_jwt"])
    assert choose_auth_method(jwt, public, True) == "private_key_jwt"


def test_json_and_error_bodies() -> None:
    assert decode_json(b'{"client_id": "x"}', ClientInformation, "r").client_id == "x"
    with pytest.raises(OAuthError, match="expected a JSON ClientInformation"):
        decode_json(b"[]", ClientInformation, "r")
    err = error_message("token", 400, b'{"error": "invalid_grant", "error_description": "no"}')
    assert err.error == "invalid_grant" and "invalid_grant (no)" in str(err)
    assert err.status == 401
    plain = error_message("token", 500, b"<html>")
    assert plain.error is None and "HTTP 500: <html>" in str(plain)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://as.example/token", True),
        ("http://127.0.0.1:9000/token", True),
        ("http://localhost/token", True),
        ("http://[::1]:8080/token", True),
        ("http://as.example/token", False),  # the client secret would go in clear
        ("http://10.0.0.7/token", False),
        ("javascript:alert(1)", False),
    ],
)
def test_endpoints_need_https_except_on_loopback(url: str, ok: bool) -> None:
    if ok:
        assert check_endpoint(url, "token endpoint") == url
    else:
        with pytest.raises(OAuthError, match=r"token endpoint .* refused: OAuth 2\.1 §1\.5"):
            check_endpoint(url, "token endpoint")


@pytest.mark.parametrize(
    ("url", "server", "allow", "refused"),
    [
        ("https://169.254.169.254/latest", "https://mcp.example/mcp", False, "link-local"),
        ("http://169.254.169.254/latest", "http://127.0.0.1:8000/mcp", False, "https"),
        ("https://[fe80::1]/m", "http://localhost:8000/mcp", False, "link-local"),
        ("https://10.1.2.3/m", "https://mcp.example/mcp", False, "private"),
        ("https://192.168.1.1/m", "https://mcp.example/mcp", False, "private"),
        ("http://127.0.0.1:9000/m", "https://mcp.example/mcp", False, "loopback"),
        ("https://[::ffff:169.254.169.254]/m", "https://mcp.example/mcp", False, "link-local"),
        ("https://10.1.2.3/m", "https://10.1.2.9/mcp", False, None),  # the server's network
        ("http://127.0.0.1:9000/m", "http://127.0.0.1:8000/mcp", False, None),
        ("https://mcp.example/.well-known/x", "https://mcp.example/mcp", False, None),
        ("https://10.1.2.3/m", "https://mcp.example/mcp", True, None),  # opted in
        ("https://auth.example/m", "https://mcp.example/mcp", False, None),
    ],
)
def test_metadata_is_never_fetched_from_the_clients_network(
    url: str, server: str, allow: bool, refused: str | None
) -> None:
    if refused is None:
        assert check_metadata_url(url, "metadata", server, allow_private=allow) == url
    else:
        with pytest.raises(OAuthError, match=refused) as info:
            check_metadata_url(url, "metadata", server, allow_private=allow)
        assert url[:30] in str(info.value)


async def test_oauth_client_refuses_a_challenge_pointing_at_link_local_metadata() -> None:
    oauth = OAuthClient("https://mcp.example/mcp", ClientCredentials(), client_id="c")
    try:
        with pytest.raises(OAuthError, match=r"'https://169\.254\.169\.254/x' refused"):
            await oauth.discover("https://169.254.169.254/x")
        # A name is judged by where it resolves: this machine's own name is not public.
        name = socket.gethostname()
        addresses = {str(i[4][0]) for i in socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)}
        if any(address_class(a) is not None for a in addresses):
            with pytest.raises(OAuthError, match=f"{name} resolves to"):
                await oauth.discover(f"https://{name}/.well-known/oauth-protected-resource")
    finally:
        await oauth.aclose()
