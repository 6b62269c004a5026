"""Raw servers on 127.0.0.1 for client tests that script the bytes a server sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from mcplite._wire.http11 import Request, RequestParser

OnConnection = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None] | None]
# One parsed request: write its answer (or not); False closes the connection.
Handler = Callable[[Request, bytes, asyncio.StreamWriter], Awaitable[bool]]


@contextlib.asynccontextmanager
async def tcp_server(on_conn: OnConnection) -> AsyncIterator[int]:
    """Serve ``on_conn`` on a port the system picks, for the length of the block: the port."""
    server = await asyncio.start_server(on_conn, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def http_server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """Yield (an ``/mcp`` URL, a list with one entry per connection accepted); each request
    parsed is given to ``handler``, which returns False to close its connection."""
    conns: list[int] = []

    async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conns.append(1)
        parser = RequestParser()
        try:
            while data := await reader.read(65536):
                for req, body in parser.feed_requests(data):
                    if not await handler(req, body, writer):
                        return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async with tcp_server(on_conn) as port:
        yield f"http://127.0.0.1:{port}/mcp", conns


@contextlib.asynccontextmanager
async def counting_relay(url: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A byte relay in front of the HTTP server at ``url``: yield (the relay's URL, every
    request that went through it, in order: its HTTP method, and for a POST of one JSON-RPC
    message also that message's method, e.g. ``"POST tools/list"``)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.rpartition(":")
    methods: list[str] = []

    async def pump(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, parser: RequestParser | None
    ) -> None:
        try:
            while data := await reader.read(65536):
                if parser is not None:
                    for req, body in parser.feed_requests(data):
                        methods.append(_described(req, body))
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(
            pump(reader, up_writer, RequestParser()), pump(up_reader, writer, None)
        )

    async with tcp_server(on_conn) as relay_port:
        yield f"http://127.0.0.1:{relay_port}/{path}", methods


def _described(req: Request, body: bytes) -> str:
    try:
        message = json.loads(body) if body else None
    except ValueError:
        message = None
    if isinstance(message, dict) and isinstance(message.get("method"), str):
        return f"{req.method} {message['method']}"
    return req.method
