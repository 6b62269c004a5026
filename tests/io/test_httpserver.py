"""_httpserver on real loopback sockets: framing, limits, timeouts, pipelining, shutdown."""

from __future__ import annotations

import asyncio
import http.client

from mcplite._io.httpserver import HTTPServer, Responder
from mcplite._wire.http11 import Request


async def echo_app(request: Request, body: bytes, responder: Responder) -> None:
    if request.target == "/stream":
        stream = responder.start_stream(200, [(b"content-type", b"text/event-stream")])
        stream.write(b"data: one\n\n")
        await stream.drain()
        stream.end(b"data: two\n\n")
        return
    if request.target == "/boom":
        raise RuntimeError("handler bug")
    if request.target == "/slow":
        await asyncio.sleep(0.03)
    responder.respond(200, [(b"content-type", b"text/plain")], request.method.encode() + body)


async def raw(port: int, data: bytes, *, read_until_close: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        out = await asyncio.wait_for(reader.read(), 2) if read_until_close else b""
    finally:
        writer.close()
    return out


def get(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    c.request(method, path, body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


async def test_json_and_stream_and_keep_alive() -> None:
    async with HTTPServer(echo_app) as srv:

        def run() -> None:
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=3)
            for i in range(3):  # one connection, three requests
                c.request("POST", "/", b"x%d" % i)
                r = c.getresponse()
                assert r.status == 200 and r.read() == b"POSTx%d" % i
            c.request("GET", "/stream")
            r = c.getresponse()
            assert r.getheader("transfer-encoding") == "chunked"
            assert r.read() == b"data: one\n\ndata: two\n\n"
            c.close()

        await asyncio.to_thread(run)
        assert srv.url.startswith("http://127.0.0.1:")


async def test_pipelined_requests_answered_in_order() -> None:
    async with HTTPServer(echo_app) as srv:
        reqs = (
            b"".join(
                b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n%d" % i
                for i in range(3)
            )
            + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        out = await raw(srv.port, reqs)
        assert out.count(b"HTTP/1.1 200") == 4
        assert out.index(b"POST0") < out.index(b"POST1") < out.index(b"POST2") < out.index(b"GET")


async def test_bad_input_gets_4xx_and_server_keeps_serving() -> None:
    async with HTTPServer(echo_app, max_body_bytes=100, max_headers=5) as srv:
        cases = {
            b"GARBAGE\r\n\r\n": b"400",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n": b"413",
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: y\r\n" % i for i in range(9))
            + b"\r\n": b"431",
            b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70000 + b"\r\n\r\n": b"431",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n": b"400",
            b"GET / HTTP/2.0\r\n\r\n": b"505",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n": b"400",
        }
        for data, want in cases.items():
            out = await raw(srv.port, data)
            assert out.startswith(b"HTTP/1.1 " + want), (data[:40], out[:80])
        status, _body = await asyncio.to_thread(get, srv.port, "GET", "/boom")
        assert status == 500
        assert await asyncio.to_thread(get, srv.port, "PUT", "/") == (200, b"PUT")


async def test_chunked_request_body() -> None:
    async with HTTPServer(echo_app) as srv:
        out = await raw(
            srv.port,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        assert out.endswith(b"POSTabcde")


async def test_timeouts_close_slow_and_idle_clients() -> None:
    async with HTTPServer(echo_app, head_timeout=0.05, keep_alive_timeout=0.05) as srv:
        out = await raw(srv.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
        assert out.startswith(b"HTTP/1.1 408")
        out = await raw(srv.port, b"")  # silent client: closed without a response
        assert out == b""
        assert await asyncio.to_thread(get, srv.port, "GET", "/") == (200, b"GET")


async def test_connection_cap() -> None:
    async with HTTPServer(echo_app, max_connections=2, keep_alive_timeout=1) as srv:
        held = [await asyncio.open_connection("127.0.0.1", srv.port) for _ in range(2)]
        await asyncio.sleep(0.01)
        out = await raw(srv.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 503")
        for _, w in held:
            w.close()
        await asyncio.sleep(0.01)
        assert await asyncio.to_thread(get, srv.port, "GET", "/") == (200, b"GET")


async def test_many_slow_connections_are_bounded() -> None:
    async with HTTPServer(echo_app, head_timeout=0.05, max_connections=50) as srv:
        conns = [await asyncio.open_connection("127.0.0.1", srv.port) for _ in range(30)]
        for _, w in conns:
            w.write(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        results = await asyncio.gather(*(asyncio.wait_for(r.read(), 2) for r, _ in conns))
        assert all(r.startswith(b"HTTP/1.1 408") for r in results)
        for _, w in conns:
            w.close()
        assert not srv.connections or len(srv.connections) <= 30


async def test_graceful_shutdown_finishes_in_flight() -> None:
    srv = HTTPServer(echo_app, shutdown_timeout=1)
    await srv.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    writer.write(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz")
    await writer.drain()
    await asyncio.sleep(0.005)
    await srv.aclose()
    out = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert out.startswith(b"HTTP/1.1 200") and out.endswith(b"POSTz")
    assert b"connection: close" in out.lower()


async def test_http10_stream_is_close_delimited() -> None:
    async with HTTPServer(echo_app) as srv:
        out = await raw(srv.port, b"GET /stream HTTP/1.0\r\n\r\n")
        assert b"transfer-encoding" not in out.lower()
        assert out.endswith(b"data: one\n\ndata: two\n\n")
