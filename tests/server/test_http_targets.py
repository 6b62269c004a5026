"""HTTP/1.1 message rules a real client or proxy exercises, on a real loopback socket with raw
request bytes against the streamable HTTP server: request-target forms (RFC 9112 §3.2),
Host (§3.2), Expect: 100-continue (RFC 9110 §10.1.1), Connection: close (§9.6), framing
(§6, obs-fold §5.2)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer

_INIT = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
).encode()
_POST_HEADERS = b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"


def _server() -> Server:
    server = Server("t")
    server.enable("tools")
    return server


async def _exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, return everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


def _post(target: bytes, *, host: bytes | None = b"127.0.0.1", extra: bytes = b"") -> bytes:
    head = b"POST " + target + b" HTTP/1.1\r\n"
    if host is not None:
        head += b"Host: " + host + b"\r\n"
    return (
        head
        + _POST_HEADERS
        + extra
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(_INIT)
        + _INIT
    )


def _status(out: bytes) -> int:
    return int(out.split(b" ", 2)[1])


def _result(out: bytes) -> Any:
    body = out.partition(b"\r\n\r\n")[2]
    if b"data: " in body:  # an SSE answer
        body = body.split(b"data: ")[-1].split(b"\n")[0]
    return json.loads(body)


async def test_absolute_form_target_is_served() -> None:
    async with StreamableHTTPServer(_server()) as srv:
        target = b"http://127.0.0.1:%d/mcp" % srv.port
        out = await _exchange(srv.port, _post(target))
        assert _status(out) == 200, out[:300]
        assert _result(out)["result"]["serverInfo"]["name"] == "t"
        # Without a Host header too (the authority is the host), with a query and https.
        out = await _exchange(srv.port, _post(target + b"?x=1", host=b"localhost"))
        assert _status(out) == 200, out[:300]
        out = await _exchange(srv.port, _post(b"HTTPS://localhost/mcp"))
        assert _status(out) == 200, out[:300]
        # Routing uses the target's path: another path is still not the endpoint.
        out = await _exchange(srv.port, _post(b"http://127.0.0.1/other"))
        assert _status(out) == 404, out[:300]


async def test_absolute_form_with_a_foreign_authority_is_refused() -> None:
    async with StreamableHTTPServer(_server()) as srv:
        out = await _exchange(srv.port, _post(b"http://evil.example/mcp"))
        assert _status(out) == 403, out[:300]
        assert "evil.example" in _result(out)["error"]["message"]
    async with StreamableHTTPServer(_server(), allowed_hosts=["mcp.example"]) as srv:
        out = await _exchange(srv.port, _post(b"http://mcp.example:8080/mcp", host=b"x"))
        assert _status(out) == 200, out[:300]
        out = await _exchange(srv.port, _post(b"http://other.example/mcp", host=b"mcp.example"))
        assert _status(out) == 403, out[:300]


async def test_the_targets_authority_wins_over_a_disagreeing_host_header() -> None:
    # RFC 9112 §3.2.2: the origin server MUST ignore Host and use the target's authority,
    # so a loopback Host cannot smuggle a foreign authority past the rebinding check ...
    async with StreamableHTTPServer(_server()) as srv:
        out = await _exchange(srv.port, _post(b"http://evil.example/mcp", host=b"127.0.0.1"))
        assert _status(out) == 403, out[:300]
        # ... and a foreign Host beside a loopback authority is not what is checked.
        target = b"http://127.0.0.1:%d/mcp" % srv.port
        out = await _exchange(srv.port, _post(target, host=b"evil.example"))
        assert _status(out) == 200, out[:300]


async def test_other_target_forms_get_a_clear_status() -> None:
    async with StreamableHTTPServer(_server()) as srv:
        cases = [
            (_post(b"*"), 400, b"asterisk-form"),
            (_post(b"127.0.0.1:80"), 400, b"invalid request target"),
            (_post(b"mcp"), 400, b"invalid request target"),
            (_post(b"ftp://127.0.0.1/mcp"), 400, b"scheme"),
            (_post(b"http://user:pw@127.0.0.1/mcp"), 400, b"userinfo"),
            (_post(b"http:///mcp"), 400, b"invalid authority"),
            (b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", 501, b"proxy"),
        ]
        for data, status, why in cases:
            out = await _exchange(srv.port, data)
            assert _status(out) == status, (data[:40], out[:300])
            assert why in out, (data[:40], out[:300])
        # OPTIONS * asks about the server itself: 200 and no body, the connection kept.
        out = await _exchange(
            srv.port,
            b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + _post(b"/mcp"),
        )
        assert out.startswith(b"HTTP/1.1 200 "), out[:300]
        assert out.count(b"HTTP/1.1 200 ") == 2, out[:600]


async def test_host_header_rules() -> None:
    # RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, with
    # more than one Host line, or with an invalid Host value.
    async with StreamableHTTPServer(_server()) as srv:
        for data, why in [
            (_post(b"/mcp", host=None), b"missing Host"),
            (_post(b"/mcp", extra=b"Host: 127.0.0.1\r\n"), b"more than one Host"),
            (_post(b"/mcp", host=b"127.0.0.1/evil"), b"invalid Host"),
            (_post(b"/mcp", host=b"a b"), b"invalid Host"),
        ]:
            out = await _exchange(srv.port, data)
            assert _status(out) == 400, (data[:80], out[:300])
            assert why in out, out[:300]
        # HTTP/1.0 has no Host requirement (a loopback server still wants one: 403).
        out = await _exchange(srv.port, _post(b"/mcp", host=None).replace(b"1.1", b"1.0", 1))
        assert _status(out) == 403, out[:300]
        out = await _exchange(srv.port, _post(b"/mcp", host=b"[::1]:8000"))
        assert _status(out) == 200, out[:300]


async def test_expect_100_continue_gets_an_interim_response_before_the_body() -> None:
    async with StreamableHTTPServer(_server()) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        try:
            head = _post(b"/mcp", extra=b"Expect: 100-continue\r\n").partition(b"\r\n\r\n")[0]
            writer.write(head + b"\r\n\r\n")  # the head only, as curl does
            line = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert line == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(_INIT)
            out = await asyncio.wait_for(reader.read(), 5)
            assert _status(out) == 200 and _result(out)["result"]["serverInfo"]["name"] == "t"
        finally:
            writer.close()
        # A body sent at once with the head needs no interim response (RFC 9110 §10.1.1).
        out = await _exchange(srv.port, _post(b"/mcp", extra=b"Expect: 100-continue\r\n"))
        assert out.startswith(b"HTTP/1.1 200 "), out[:200]
        # An expectation the server does not know: 417.
        out = await _exchange(srv.port, _post(b"/mcp", extra=b"Expect: teapot\r\n"))
        assert _status(out) == 417 and b"100-continue" in out, out[:300]
        # A body over the limit is refused before the client sends it: 413, no 100.
        big = (
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            + _POST_HEADERS
            + b"Content-Length: 999999999\r\n\r\n"
        )
        out = await _exchange(srv.port, big)
        assert out.startswith(b"HTTP/1.1 413 "), out[:200]


async def test_connection_close_request_is_answered_then_closed() -> None:
    async with StreamableHTTPServer(_server(), json_response=True) as srv:
        # Two pipelined requests, the first says close: one answer, then the server closes
        # (RFC 9112 §9.6: no further requests are read after "close").
        out = await _exchange(srv.port, _post(b"/mcp") + _post(b"/mcp"))
        assert out.count(b"HTTP/1.1 ") == 1, out[:400]
        assert b"\r\nconnection: close\r\n" in out.lower()


async def test_request_framing_a_client_or_proxy_sends() -> None:
    async with StreamableHTTPServer(_server(), json_response=True) as srv:
        head = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + _POST_HEADERS
        half = len(_INIT) // 2
        chunked = (
            head
            + b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x;ext=1\r\n" % half
            + _INIT[:half]
            + b"\r\n%x\r\n" % (len(_INIT) - half)
            + _INIT[half:]
            + b"\r\n0\r\nTrailer-Field: x\r\n\r\n"
        )
        out = await _exchange(srv.port, chunked)
        assert _status(out) == 200 and _result(out)["result"]["serverInfo"]["name"] == "t"
        n = len(_INIT)
        same_twice = head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n) + _INIT
        out = await _exchange(srv.port, same_twice)  # RFC 9110 §8.6: identical values: one
        assert _status(out) == 200, out[:300]
        refused = [
            (head + b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n" % n + _INIT, b"differing"),
            (head + b"Content-Length: 5, %d\r\n\r\n" % n + _INIT, b"differing"),
            (  # RFC 9112 §6.1: both framings: a smuggling attempt, refused
                head + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % n + _INIT,
                b"smuggling",
            ),
            (  # RFC 9112 §5.2: obs-fold in a request is refused with 400
                head + b"X-Folded: a\r\n b\r\nContent-Length: %d\r\n\r\n" % n + _INIT,
                b"folding",
            ),
            (head + b"Transfer-Encoding: gzip\r\n\r\n" + _INIT, b"must end with chunked"),
            (head + b"Content-Length: -1\r\n\r\n", b"digits"),
            (head + b"Transfer-Encoding: chunked, chunked\r\n\r\n", b"applied once"),
            (  # two field lines combine to the same list (RFC 9110 §5.3)
                head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"applied once",
            ),
        ]
        for data, why in refused:
            out = await _exchange(srv.port, data)
            assert _status(out) == 400, (data[-120:], out[:300])
            assert why in out, out[:300]
        out = await _exchange(srv.port, head + b"Transfer-Encoding: gzip, chunked\r\n\r\n")
        assert _status(out) == 501, out[:300]
        # After all that the server still serves.
        out = await _exchange(srv.port, _post(b"/mcp"))
        assert _status(out) == 200, out[:300]
