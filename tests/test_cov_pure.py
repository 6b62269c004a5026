"""Branch-coverage tests for the pure (layer-1) modules: origin, pagination, param headers,
JSON Schema subset and the JOSE helpers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, strategies as st

from mcplite._auth import jose as jose
from mcplite._core.jsonschema import first_error
from mcplite._core.pagination import decode_cursor, encode_cursor, paginate
from mcplite._errors import INVALID_PARAMS, RemoteProtocolError
from mcplite._wire.origin import check_host, check_origin, host_name, is_loopback
from mcplite._wire.paramheaders import InvalidToolHeaders, param_headers, request_headers

# ---------------------------------------------------------------- _origin


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("[::1]:8080", "::1"),
        ("[::1", "[::1"),  # no closing bracket: left as it is
        ("Example.COM:80", "example.com"),
        ("::1", "::1"),  # a bare IPv6 address has several colons
        (" localhost ", "localhost"),
    ],
)
def test_host_name(authority: str, expected: str) -> None:
    assert host_name(authority) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_check_host_allowed_hosts() -> None:
    assert check_host("evil.test", local_is_loopback=True, allowed_hosts={"*"}) is None
    allowed = {"api.test", "api.test:8443"}
    assert check_host("API.test:8443", local_is_loopback=False, allowed_hosts=allowed) is None
    assert check_host("api.test:9", local_is_loopback=False, allowed_hosts=allowed) is None
    err = check_host("other.test", local_is_loopback=False, allowed_hosts=allowed)
    assert err is not None and "other.test" in err and "api.test" in err
    missing = check_host(None, local_is_loopback=False, allowed_hosts=allowed)
    assert missing is not None and "None" in missing


def test_check_host_loopback_listener() -> None:
    assert check_host("evil.test", local_is_loopback=False) is None
    missing = check_host(None, local_is_loopback=True)
    assert missing is not None and "missing Host" in missing
    assert check_host("127.0.0.1:3000", local_is_loopback=True) is None
    assert check_host("[::1]:3000", local_is_loopback=True) is None
    bad = check_host("rebind.evil.test:3000", local_is_loopback=True)
    assert bad is not None and "DNS-rebinding" in bad


def test_check_origin() -> None:
    assert check_origin(None, host_header="x") is None
    assert check_origin("https://a.test", host_header=None, allowed_origins={"*"}) is None
    assert (
        check_origin("HTTPS://A.test", host_header=None, allowed_origins={"https://a.TEST"}) is None
    )
    denied = check_origin("https://b.test", host_header=None, allowed_origins={"https://a.test"})
    assert denied is not None and "not allowed" in denied
    assert check_origin("http://localhost:5173", host_header="x") is None
    assert check_origin("http://srv.test:80", host_header="SRV.test:80") is None
    cross = check_origin("http://evil.test", host_header="srv.test")
    assert cross is not None and "same-origin" in cross
    assert check_origin("http://evil.test", host_header=None) is not None
    assert check_origin("null", host_header="srv.test") is not None  # no netloc
    # urlsplit rejects an unbalanced IPv6 bracket: treated as "no netloc", so refused
    assert check_origin("http://[::1", host_header="srv.test") is not None


# ---------------------------------------------------------------- _pagination


def test_pagination_round_trip_and_errors() -> None:
    items = list(range(5))
    page, cursor = paginate(items, None, 2)
    assert page == [0, 1] and cursor is not None
    page, cursor = paginate(items, cursor, 2)
    assert page == [2, 3] and cursor is not None
    page, cursor = paginate(items, cursor, 2)
    assert page == [4] and cursor is None
    assert decode_cursor(encode_cursor(7)) == 7
    with pytest.raises(RemoteProtocolError) as info:
        paginate(items, encode_cursor(6), 2)
    assert info.value.code == INVALID_PARAMS and "past the end" in str(info.value)
    # exactly at the end is an empty last page, not an error
    assert paginate(items, encode_cursor(5), 2) == ([], None)
    for bad in ["!!", "é", base64.urlsafe_b64encode(b"o1:x").decode(), "bm9wZQ"]:
        with pytest.raises(RemoteProtocolError):
            decode_cursor(bad)


@given(st.text(max_size=40))
def test_decode_cursor_fuzz(cursor: str) -> None:
    code = 0
    try:
        offset = decode_cursor(cursor)
    except RemoteProtocolError as exc:
        code = exc.code
    else:
        assert offset >= 0
    assert code in (0, INVALID_PARAMS)


# ---------------------------------------------------------------- _paramheaders


def test_param_headers_duplicate_exact_name() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "x-mcp-header": "Region"},
            "b": {
                "type": "object",
                "properties": {"c": {"type": "string", "x-mcp-header": "Region"}},
            },
        },
    }
    with pytest.raises(InvalidToolHeaders, match=r"'Region' is not unique$"):
        param_headers(schema)


def test_request_headers_name_methods() -> None:
    # prompts/get mirrors the name but never adds Mcp-Param-* headers
    headers = request_headers("prompts/get", {"name": "greet"}, {"greet": {"X": ("a",)}})
    assert headers == [("Mcp-Method", "prompts/get"), ("Mcp-Name", "greet")]
    # a tools/call for a tool without annotations carries only the name
    headers = request_headers("tools/call", {"name": "t", "arguments": {}}, {})
    assert headers == [("Mcp-Method", "tools/call"), ("Mcp-Name", "t")]
    headers = request_headers("resources/read", {"uri": 5}, {})
    assert headers == [("Mcp-Method", "resources/read")]


# ---------------------------------------------------------------- _jsonschema


def test_pattern_properties_only_matching_patterns_apply() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^n_": {"type": "integer"}, "^s_": {"type": "string"}},
        "additionalProperties": False,
    }
    assert first_error({"n_a": 1, "s_b": "x"}, schema) is None
    err = first_error({"s_b": 3}, schema)
    assert err is not None and "s_b" in err
    err = first_error({"zz": 1}, schema)
    assert err is not None and "unexpected property 'zz'" in err


# ---------------------------------------------------------------- _oauth_jose


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
    g = jose._G
    assert jose._add(None, g) == g
    assert jose._add(g, None) == g
    negated = (g[0], (-g[1]) % jose._P)
    assert jose._add(g, negated) is None
    assert jose._mul(jose._N, g) is None  # n·G is the point at infinity


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


def test_check_request_combines_host_and_origin_checks() -> None:
    from mcplite._wire.origin import check_request

    loop = ("127.0.0.1", 8000)
    ok = check_request(b"localhost:8000", None, loop, dns_rebinding_protection=True)
    assert ok is None
    evil = check_request(b"evil.example", None, loop, dns_rebinding_protection=True)
    assert evil is not None and "DNS-rebinding" in evil
    # protection off: any Host passes, but a foreign Origin is still refused
    assert check_request(b"evil.example", None, loop, dns_rebinding_protection=False) is None
    foreign = check_request(
        b"evil.example", b"https://other.example", loop, dns_rebinding_protection=False
    )
    assert foreign is not None and "not allowed" in foreign
    same = check_request(
        b"mcp.example", b"https://mcp.example", ("10.0.0.1", 443), dns_rebinding_protection=True
    )
    assert same is None
