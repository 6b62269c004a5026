"""Writing a transport: MCP as newline-delimited JSON over a plain TCP socket.

A transport is any object with three coroutine methods (``mcplite.Transport``):

- ``receive() -> bytes``: the next JSON-RPC message (or batch), without framing; raise
  ``mcplite.ConnectionClosed`` at the end of the stream;
- ``send(data, related=None)``: write one message; ``related`` names the request it
  belongs to (only transports that route per request care);
- ``aclose()``: release everything; safe to call twice.

The session above it owns the protocol; the transport only moves bytes.  Runs and exits:

    python examples/custom_transport.py
"""

from __future__ import annotations

import asyncio

import mcplite
from mcplite import ConnectionClosed, Server

MAX_LINE_BYTES = 4 * 1024 * 1024  # every buffer has a limit


class TCPTransport:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def receive(self) -> bytes:
        while True:
            try:
                line = await self.reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                raise ConnectionClosed("the peer closed the connection") from exc
            except (asyncio.LimitOverrunError, ConnectionError) as exc:
                raise ConnectionClosed(f"cannot read: {exc}") from exc
            if line.strip():
                return line.rstrip(b"\r\n")

    async def send(self, data: bytes, related: int | str | None = None) -> None:
        if self.writer.is_closing():
            raise ConnectionClosed("the connection is closed")
        self.writer.write(data + b"\n")
        await self.writer.drain()

    async def aclose(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()


server = Server("tcp-demo")


@server.tool()
async def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


async def main() -> None:
    served = asyncio.Event()

    async def serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.serve(TCPTransport(reader, writer))  # until the client disconnects
        served.set()

    listener = await asyncio.start_server(serve_one, "127.0.0.1", 0, limit=MAX_LINE_BYTES)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_LINE_BYTES)
        async with mcplite.connect(TCPTransport(reader, writer)) as client:
            result = await client.call_tool("shout", {"text": "hello over tcp"})
            print(result.text)
        await asyncio.wait_for(served.wait(), timeout=5)  # the server saw the end, too


if __name__ == "__main__":
    asyncio.run(main())
