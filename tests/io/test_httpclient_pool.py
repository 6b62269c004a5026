"""The HTTP client's pool against a server in another thread that closes connections on
its own schedule, so a close can be in the client's socket before the event loop has
looked (the keep-alive race of RFC 9112 §9.3.1)."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from mcplite._io.httpclient import HTTPClient
from mcplite._wire.http11 import RequestParser


class _Server:
    """Answers ``echo:<body>``; after each response ``after`` is "keep", "fin" (close) or
    "rst" (close with a reset, SO_LINGER 0).  Blocking sockets, a thread per connection."""

    def __init__(self, after: str, extra_headers: bytes = b"") -> None:
        self.after = after
        self.extra = extra_headers
        self.seen: list[tuple[int, str, bytes]] = []  # (connection number, method, body)
        self.closed = threading.Event()  # set after each close the server makes
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/mcp"
        self._threads = [threading.Thread(target=self._accept)]
        self._threads[0].start()

    def _accept(self) -> None:
        number = 0
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(sock, number))
            number += 1
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        sock.settimeout(0.05)
        parser = RequestParser()
        with sock:
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                for req, body in parser.feed_requests(data):
                    self.seen.append((number, req.method, body))
                    payload = b"echo:" + body
                    sock.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                        % (len(payload), self.extra, payload)
                    )
                    if self.after == "keep":
                        continue
                    if self.after == "rst":
                        sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                    sock.close()
                    self.closed.set()
                    return

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()


@contextmanager
def serving(after: str, extra_headers: bytes = b"") -> Iterator[_Server]:
    server = _Server(after, extra_headers)
    try:
        yield server
    finally:
        server.stop()


def _wait_for_close(server: _Server) -> None:
    """Block the event loop (on purpose) until the server closed, so the close is in the
    client's socket and the loop has not seen it."""
    assert server.closed.wait(5)
    server.closed.clear()
    time.sleep(0.005)  # loopback delivers at once; a little margin all the same


async def post(http: HTTPClient, url: str, body: bytes) -> bytes:
    resp = await http.request("POST", url, (), body)
    return await resp.read()


async def test_a_close_waiting_in_an_idle_connection_is_found_before_a_post_is_sent() -> None:
    """The server closed the idle connection; the event loop has not delivered the FIN.
    The probe finds it, so the POST goes on a fresh connection, applied once."""
    with serving("fin") as srv:
        async with HTTPClient() as http:
            assert await post(http, srv.url, b"a") == b"echo:a"
            _wait_for_close(srv)
            assert await post(http, srv.url, b"b") == b"echo:b"
    assert srv.seen == [(0, "POST", b"a"), (1, "POST", b"b")]


async def test_a_post_whose_write_fails_at_once_is_resent() -> None:
    """The server reset the connection; the client reuses it back to back (no probe) and
    the kernel refuses the write, so the POST never left: resent on a fresh one."""
    with serving("rst") as srv:
        async with HTTPClient() as http:
            assert await post(http, srv.url, b"a") == b"echo:a"
            _wait_for_close(srv)
            loop = asyncio.get_running_loop()
            for conns in http._idle.values():
                for conn in conns:
                    conn.idle_since = loop.time()  # released just now: the probe is skipped
            assert await post(http, srv.url, b"b") == b"echo:b"
    assert srv.seen == [(0, "POST", b"a"), (1, "POST", b"b")]


async def test_an_idle_connection_is_reused_within_the_idle_timeout_only() -> None:
    with serving("keep") as srv:
        async with HTTPClient() as http:  # the default (4 s): kept
            assert await post(http, srv.url, b"a") == b"echo:a"
            await asyncio.sleep(0.03)
            assert await post(http, srv.url, b"b") == b"echo:b"
        async with HTTPClient(idle_timeout=0.02) as http:  # closed, not reused
            assert await post(http, srv.url, b"c") == b"echo:c"
            await asyncio.sleep(0.03)
            assert await post(http, srv.url, b"d") == b"echo:d"
    assert [(n, body) for n, _, body in srv.seen] == [(0, b"a"), (0, b"b"), (1, b"c"), (2, b"d")]


async def test_a_keep_alive_timeout_the_server_announces_shortens_the_idle_timeout() -> None:
    # timeout=0.04: given up at max(0.04 - 1, 0.04 / 2) = 0.02 s, before the server would.
    with serving("keep", b"Keep-Alive: timeout=0.04, max=100\r\n") as srv:
        async with HTTPClient() as http:
            assert await post(http, srv.url, b"a") == b"echo:a"
            await asyncio.sleep(0.03)
            assert await post(http, srv.url, b"b") == b"echo:b"
    assert [(n, body) for n, _, body in srv.seen] == [(0, b"a"), (1, b"b")]
