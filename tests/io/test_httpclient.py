"""The asyncio HTTP/1.1 client against a tiny asyncio server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from mcplite import ConnectError, ConnectionClosed, RemoteProtocolError, RequestTimeout
from mcplite._io.httpclient import HTTPClient, split_url
from mcplite._wire.http11 import Request, RequestParser

Handler = Callable[[Request, bytes, asyncio.StreamWriter], Awaitable[bool]]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """Yield (base URL, connection counter); ``handler`` returns False to close."""
    conns: list[int] = []

    async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conns.append(1)
        parser = RequestParser()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for req, body in parser.feed_requests(data):
                    if not await handler(req, body, writer):
                        return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_conn, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/mcp", conns
    finally:
        server.close()
        await server.wait_closed()


async def ok(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
    payload = b"echo:" + body
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
    await w.drain()
    return True


async def test_keep_alive_reuses_one_connection() -> None:
    async with serve(ok) as (url, conns), HTTPClient() as http:
        for i in range(3):
            resp = await http.request("POST", url, {"x": "1"}, b"%d" % i)
            assert resp.status == 200 and await resp.read() == b"echo:%d" % i
        assert len(conns) == 1


async def test_streaming_chunked_body() -> None:
    async def chunked(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: text/event-stream\r\n\r\n"
        )
        for part in (b"a", b"bb"):
            w.write(b"%x\r\n%s\r\n" % (len(part), part))
            await w.drain()
            await asyncio.sleep(0.005)
        w.write(b"0\r\n\r\n")
        return True

    async with serve(chunked) as (url, _), HTTPClient() as http:
        resp = await http.request("GET", url)
        assert resp.content_type == "text/event-stream"
        assert [c async for c in resp.aiter_bytes()] == [b"a", b"bb"]
        assert resp.closed


async def test_body_limit() -> None:
    async with serve(ok) as (url, _), HTTPClient() as http:
        resp = await http.request("POST", url, (), b"x" * 100)
        with pytest.raises(RemoteProtocolError, match="exceeds 10 bytes"):
            await resp.read(max_bytes=10)


async def test_read_timeout() -> None:
    async def silent(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(1)
        return False

    async with serve(silent) as (url, _), HTTPClient(read_timeout=0.05) as http:
        with pytest.raises(RequestTimeout):
            await http.request("GET", url)
        assert http.open_connections == 0


async def test_connect_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with HTTPClient() as http:
        with pytest.raises(ConnectError):
            await http.request("GET", f"http://127.0.0.1:{port}/")


async def test_stale_pooled_connection_is_retried() -> None:
    async def once(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        await ok(req, body, w)
        return False  # close after each response despite keep-alive

    async with serve(once) as (url, conns), HTTPClient() as http:
        for _ in range(2):
            resp = await http.request("POST", url, (), b"z")
            assert await resp.read() == b"echo:z"
        assert len(conns) == 2


async def test_server_closes_mid_response() -> None:
    async def broken(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await w.drain()
        return False

    async with serve(broken) as (url, _), HTTPClient() as http:
        resp = await http.request("GET", url)
        with pytest.raises(RemoteProtocolError):
            await resp.read()


async def test_closed_client_and_bad_urls() -> None:
    http = HTTPClient()
    await http.aclose()
    with pytest.raises(ConnectionClosed):
        await http.request("GET", "http://127.0.0.1:1/")
    with pytest.raises(ValueError):
        split_url("ftp://x/")
    assert split_url("https://h/p?q=1") == (("https", "h", 443), "/p?q=1")
