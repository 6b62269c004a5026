"""_wire/origin: Host and Origin checks against DNS rebinding and cross-origin requests
(MCP 2025-11-25 basic/transports "Security Warning"), pure."""

from __future__ import annotations

import pytest

from mcplite._wire.origin import check_host, check_origin, check_request, host_name, is_loopback


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


def test_check_request_combines_host_and_origin_checks() -> None:
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
