"""The asyncio HTTP/1.1 client against a tiny asyncio server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mcplite import ConnectError, ConnectionClosed, RemoteProtocolError, RequestTimeout
from mcplite._io.httpclient import HTTPClient, split_url
from mcplite._wire.http11 import Request

from .._loopback import http_server


async def ok(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
    payload = b"echo:" + body
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
    await w.drain()
    return True


async def test_keep_alive_reuses_one_connection() -> None:
    async with http_server(ok) as (url, conns), HTTPClient() as http:
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

    async with http_server(chunked) as (url, _), HTTPClient() as http:
        resp = await http.request("GET", url)
        assert resp.content_type == "text/event-stream"
        assert [c async for c in resp.aiter_bytes()] == [b"a", b"bb"]
        assert resp.closed


async def test_body_limit() -> None:
    async with http_server(ok) as (url, _), HTTPClient() as http:
        resp = await http.request("POST", url, (), b"x" * 100)
        with pytest.raises(RemoteProtocolError, match="exceeds 10 bytes"):
            await resp.read(max_bytes=10)


async def test_read_timeout() -> None:
    async def silent(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(1)
        return False

    async with http_server(silent) as (url, _), HTTPClient(read_timeout=0.05) as http:
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
    seen: list[bytes] = []

    async def once(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        seen.append(req.method.encode() + b" " + body)
        await ok(req, body, w)
        return False  # close after each response despite keep-alive

    async with http_server(once) as (url, conns), HTTPClient() as http:
        for _ in range(2):  # GET is idempotent: resent whenever the close came first
            resp = await http.request("GET", url)
            assert await resp.read() == b"echo:"
        assert len(conns) == 2
        # A POST may find the close before it (a fresh connection, answered) or after it
        # (not resent: the server might have applied it); never is it applied twice.
        failures: list[str] = []
        for _ in range(2):
            try:
                resp = await http.request("POST", url, (), b"z")
                assert await resp.read() == b"echo:z"
            except ConnectionClosed as exc:
                failures.append(str(exc))
        assert all("not resent" in msg for msg in failures)
        assert seen.count(b"POST z") <= 2 and seen[:2] == [b"GET ", b"GET "]


async def test_server_closes_mid_response() -> None:
    async def broken(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await w.drain()
        return False

    async with http_server(broken) as (url, _), HTTPClient() as http:
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


# -- the pool: as many idle connections as the concurrency seen, LIFO, stale ones resent


async def test_pool_keeps_as_many_idle_connections_as_the_concurrency_seen() -> None:
    n = 16
    arrived: list[asyncio.StreamWriter] = []
    all_in = asyncio.Event()

    async def held(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        arrived.append(w)
        if len(arrived) % n == 0:
            all_in.set()
        await all_in.wait()  # answer only once n requests are in flight together
        return await ok(req, body, w)

    async def call(http: HTTPClient, url: str, i: int) -> bytes:
        resp = await http.request("POST", url, (), b"%d" % i)
        return await resp.read()

    async with http_server(held) as (url, conns), HTTPClient() as http:
        for _burst in range(3):
            all_in.clear()
            got = await asyncio.gather(*(call(http, url, i) for i in range(n)))
            assert got == [b"echo:%d" % i for i in range(n)]
            assert http.open_connections == n  # all kept idle, none closed
        assert len(conns) == n  # bursts 2 and 3 opened no connection


async def test_pool_reuses_the_most_recently_used_connection_first() -> None:
    names: dict[asyncio.StreamWriter, int] = {}
    gate = asyncio.Event()

    async def tagged(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        conn_no = names.setdefault(w, len(names))
        if body == b"hold":
            await gate.wait()
        payload = b"%d" % conn_no
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
        await w.drain()
        return True

    async def call(http: HTTPClient, url: str, body: bytes) -> bytes:
        resp = await http.request("POST", url, (), body)
        return await resp.read()

    async with http_server(tagged) as (url, conns), HTTPClient() as http:
        held = [asyncio.ensure_future(call(http, url, b"hold")) for _ in range(3)]
        deadline = asyncio.get_running_loop().time() + 5
        while len(names) < 3:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.005)
        gate.set()
        await asyncio.gather(*held)
        # Three idle now; sequential calls keep taking the one released last (LIFO), where
        # a FIFO pool would cycle through all three.
        seen = {await call(http, url, b"go") for _ in range(4)}
        assert len(seen) == 1 and len(conns) == 3


async def test_request_on_a_pooled_connection_the_server_closed_is_resent_once() -> None:
    """The keep-alive race: the server closes a reused connection with no byte of an
    answer.  An idempotent request goes once more on a fresh one; a POST the server may
    have applied is not sent twice but fails, saying so."""
    requests: list[bytes] = []

    async def close_second(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        requests.append(req.method.encode() + b" " + body)
        if len(requests) in (2, 5):
            return False  # read the request, close without answering
        return await ok(req, body, w)

    async with http_server(close_second) as (url, conns), HTTPClient() as http:
        for method in ("DELETE", "DELETE"):
            resp = await http.request(method, url)
            assert await resp.read() == b"echo:"
        assert len(conns) == 2 and requests == [b"DELETE "] * 3
        resp = await http.request("POST", url, (), b"a")
        assert await resp.read() == b"echo:a"
        with pytest.raises(ConnectionClosed, match="may or may not have processed it"):
            await http.request("POST", url, (), b"b")
        assert requests[3:] == [b"POST a", b"POST b"]  # b not resent
        # The caller can vouch for a POST (an MCP request it knows to be safe).
        resp = await http.request("POST", url, (), b"c")
        assert await resp.read() == b"echo:c"
        requests.clear()
        requests.extend([b"x"] * 4)  # the next one is the fifth: closed unanswered
        resp = await http.request("POST", url, (), b"d", idempotent=True)
        assert await resp.read() == b"echo:d"
        assert requests[4:] == [b"POST d", b"POST d"]


async def test_a_partly_answered_request_is_not_resent() -> None:
    requests: list[bytes] = []

    async def half_second(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        requests.append(body)
        if len(requests) == 2:
            w.write(b"HTTP/1.1 200 OK\r\n")  # part of a head: the server saw the request
            await w.drain()
            return False
        return await ok(req, body, w)

    async with http_server(half_second) as (url, conns), HTTPClient() as http:
        resp = await http.request("POST", url, (), b"a")
        await resp.read()
        with pytest.raises(RemoteProtocolError, match="closed in the middle"):
            await http.request("POST", url, (), b"b")
        assert requests == [b"a", b"b"] and len(conns) == 1


async def test_a_request_unanswered_on_a_fresh_connection_fails_clearly() -> None:
    requests: list[bytes] = []

    async def never(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        requests.append(body)
        return False

    async with http_server(never) as (url, conns), HTTPClient() as http:
        with pytest.raises(ConnectionClosed, match="no answer to POST"):
            await http.request("POST", url, (), b"a")
        assert requests == [b"a"] and len(conns) == 1  # a fresh connection: not resent


async def test_requests_survive_a_server_that_closes_idle_keep_alive_connections() -> None:
    """A real mcplite HTTP server closing idle keep-alive connections: a connection it
    closed while idle leaves the pool; a request written in the same instant as the
    server's close (its keep-alive timer firing) is resent on a fresh connection if it is
    idempotent, and fails clearly, never applied twice, if it is a POST."""
    from mcplite._io.httpserver import HTTPServer, Responder

    seen: list[bytes] = []

    def app(request: Request, body: bytes, responder: Responder) -> None:
        seen.append(body)
        responder.respond(200, [(b"content-type", b"text/plain")], b"echo:" + body)

    async def call(http: HTTPClient, url: str, body: bytes) -> bytes:
        resp = await http.request("POST", url, (), body)
        return await resp.read()

    loop = asyncio.get_running_loop()
    async with HTTPServer(app, keep_alive_timeout=0.2) as srv, HTTPClient() as http:
        url = srv.url + "/mcp"
        assert await call(http, url, b"1") == b"echo:1"
        deadline = loop.time() + 5
        while http.open_connections:  # the server's close takes it out of the pool
            assert loop.time() < deadline
            await asyncio.sleep(0.01)
        assert await call(http, url, b"2") == b"echo:2"

        def fire_keep_alive_timer(srv: HTTPServer) -> None:
            (conn,) = srv.connections
            assert conn._timer is not None and conn._timer_kind
            conn._timer.cancel()
            conn._timer_at = conn._deadline  # due now, not re-armed for a later deadline
            conn._timeout()
            assert conn.transport.is_closing()

        for _ in range(3):
            # The keep-alive timer fires now; the client, not yet told, writes on the
            # connection in the same step and gets the close (EOF or reset) instead.
            fire_keep_alive_timer(srv)
            # An idempotent request is resent on a fresh connection; a POST that may have
            # arrived is not, and fails clearly (a later one opens a fresh connection).
            resp = await http.request("PUT", url, (), b"3")
            assert await resp.read() == b"echo:3"
            fire_keep_alive_timer(srv)
            with pytest.raises(ConnectionClosed, match="not resent"):
                await call(http, url, b"4")
            assert await call(http, url, b"5") == b"echo:5"
        # The PUTs reached it once each; the POSTs that failed, never.
        assert seen == [b"1", b"2"] + [b"3", b"5"] * 3


async def test_request_heads_are_cached_per_header_set_and_still_checked() -> None:
    """The encoded head is kept per (method, URL, headers), so the same headers cost no
    re-encode; a changed value gets its own head, and a bad field is refused every time
    (never cached)."""
    from mcplite._errors import LocalProtocolError

    seen: list[Request] = []

    async def record(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        seen.append(req)
        return await ok(req, body, w)

    async with http_server(record) as (url, _), HTTPClient() as http:
        for headers in ({"Mcp-Session-Id": "a"}, [("Mcp-Session-Id", "a")], (("X", "1"),)):
            resp = await http.request("POST", url, headers, b"{}")
            await resp.read()
        resp = await http.request("POST", url, (("Mcp-Session-Id", "b"),), b"[1]")
        assert await resp.read() == b"echo:[1]"
        for _ in range(2):
            with pytest.raises(LocalProtocolError, match="CR, LF"):
                await http.request("POST", url, {"X": "1\r\nInjected: yes"}, b"{}")
        resp = await http.request("GET", url, {"Mcp-Session-Id": "a"})
        await resp.read()
        assert len(http._heads) == 4  # two session ids, X, and the GET
    ids = [r.headers.get(b"mcp-session-id") for r in seen]
    assert ids == [b"a", b"a", None, b"b", b"a"]
    assert [r.headers.get(b"content-length") for r in seen] == [b"2", b"2", b"2", b"3", None]
    assert [r.method for r in seen] == ["POST"] * 4 + ["GET"]
    assert all(r.headers.get(b"injected") is None for r in seen)


async def test_one_read_timer_per_connection_not_one_per_request() -> None:
    """A wait for the response sets the connection's deadline; its one timer is armed once
    (not a call_later per wait), moved earlier for a shorter timeout, and still fires."""
    loop = asyncio.get_running_loop()
    armed: list[float] = []
    real_call_at = loop.call_at

    def call_at(when: float, callback: Any, *args: Any, **kw: Any) -> asyncio.TimerHandle:
        if getattr(callback, "__name__", "") == "_check_deadline":
            armed.append(when)
        return real_call_at(when, callback, *args, **kw)

    calls = 0

    async def slow_third(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        nonlocal calls
        calls += 1
        if calls == 12:
            await asyncio.sleep(1)  # outlives the short timeout below
            return False
        return await ok(req, body, w)

    loop.call_at = call_at  # type: ignore[method-assign,assignment]
    try:
        async with http_server(slow_third) as (url, conns), HTTPClient(read_timeout=30) as http:
            for i in range(10):
                resp = await http.request("POST", url, (), b"%d" % i)
                assert await resp.read() == b"echo:%d" % i
            assert len(conns) == 1 and len(armed) == 1  # ten requests, one timer
            resp = await http.request("POST", url, (), b"x", read_timeout=0.05)
            assert await resp.read() == b"echo:x"
            assert len(armed) == 2  # a shorter deadline moved it
            with pytest.raises(RequestTimeout):
                await http.request("POST", url, (), b"y", read_timeout=0.05)
            assert http.open_connections == 0
    finally:
        del loop.call_at
    assert armed[1] < armed[0]


async def test_a_closed_connection_drops_its_read_timer() -> None:
    async with http_server(ok) as (url, _), HTTPClient(read_timeout=300) as http:
        resp = await http.request("POST", url, (), b"1")
        await resp.read()
        (conn,) = http._idle[next(iter(http._idle))]
        assert conn._timer is not None  # armed for the 300 s deadline, left armed idle
        await http.aclose()
        assert conn._timer is None


async def test_a_body_that_came_with_its_head_is_read_at_once_and_limits_still_hold() -> None:
    async def typed(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        kind = b"Text/Event-Stream; charset=utf-8" if body == b"sse" else b"application/json"
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 30\r\n\r\n" % kind)
        w.write(b"x" * 30)  # head and body in one segment: one Data event, then the end
        await w.drain()
        return True

    async with http_server(typed) as (url, conns), HTTPClient() as http:
        for body in (b"sse", b"json", b"sse"):
            resp = await http.request("POST", url, (), body)
            assert resp.content_type == (
                "text/event-stream" if body == b"sse" else "application/json"
            )
            assert await resp.read() == b"x" * 30
            assert resp.closed  # released to the pool
        resp = await http.request("POST", url, (), b"json")
        with pytest.raises(RemoteProtocolError, match="exceeds 29 bytes"):
            await resp.read(max_bytes=29)
        assert http.open_connections == 0  # over the limit: the connection is dropped
        assert len(conns) == 1


async def test_ended_takes_a_waiting_end_of_body_and_nothing_else() -> None:
    async def sse(req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        await w.drain()
        return True

    async with http_server(sse) as (url, conns), HTTPClient() as http:
        resp = await http.request("POST", url, (), b"{}")
        assert not resp.ended()  # a chunk is still unread
        assert await resp.next_chunk() == b"abc"
        assert resp.ended() and resp.closed  # the end was there: the connection is back
        assert resp.ended()
        resp = await http.request("POST", url, (), b"{}")
        assert await resp.read() == b"abc"
        assert len(conns) == 1
