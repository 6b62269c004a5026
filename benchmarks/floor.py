"""The floor: a minimal, honest, hand-written asyncio + msgspec MCP echo server and client.

This is the yardstick of ``reference/perf-baseline.md`` §C: asyncio streams, a task per incoming
request, typed msgspec Structs, tool arguments checked by msgspec, and exactly the methods the
benchmark needs (initialize, notifications/initialized, tools/list, tools/call for one
``echo(text)`` tool that returns ``content: [{type: "text", text}]``). It is a lower bound on the
cost of a request, not a product: no cancellation, no batching, no capability gating.

Transports: stdio (NDJSON), an in-memory pair (asyncio queues), and a minimal HTTP/1.1
keep-alive server and client for streamable HTTP (POST /mcp; JSON or one-event SSE responses).

    python -m benchmarks.floor stdio
    python -m benchmarks.floor stdio-blocking   # the second floor: no event loop at all
    python -m benchmarks.floor http --port 8123 [--sse]

Scale options (the same as the other echo servers'): ``--max-message-bytes N`` (stdio line
limit; the HTTP server reads a declared Content-Length whole and has none), ``--tools N``
(echo and N - 1 more tools in ``tools/list``, the same schemas mcplite derives) and
``--scale`` (accepted for symmetry: the floor has no caps to raise).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import secrets
import sys
from collections.abc import AsyncIterator
from typing import Any

import msgspec

PROTOCOL_VERSION = "2025-11-25"
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024
CLOSE_TIMEOUT_SECONDS = 5.0

# JSON-RPC error codes (JSON-RPC 2.0 §5.1).
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


# ---------------------------------------------------------------- wire types


class Request(msgspec.Struct):
    """An incoming request or notification (no id)."""

    method: str
    jsonrpc: str = "2.0"
    id: int | str | None = None
    params: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"{}"))


class ErrorObject(msgspec.Struct):
    code: int
    message: str


class Response(msgspec.Struct, omit_defaults=True):
    """An outgoing or incoming response; ``result`` stays raw until the caller types it."""

    id: int | str | None
    jsonrpc: str = "2.0"
    result: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b""))
    error: ErrorObject | None = None


class OutRequest(msgspec.Struct):
    jsonrpc: str
    id: int
    method: str
    params: Any


class OutNotification(msgspec.Struct, omit_defaults=True):
    jsonrpc: str
    method: str
    params: Any = None


class OutResponse(msgspec.Struct):
    id: int | str | None
    result: Any
    jsonrpc: str = "2.0"


class OutError(msgspec.Struct):
    id: int | str | None
    error: ErrorObject
    jsonrpc: str = "2.0"


class TextContent(msgspec.Struct, tag_field="type", tag="text"):
    text: str


class CallToolResult(msgspec.Struct, omit_defaults=True, rename="camel"):
    content: list[TextContent]
    is_error: bool = False


class CallToolParams(msgspec.Struct):
    name: str
    arguments: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"{}"))


class EchoArguments(msgspec.Struct):
    text: str


class Implementation(msgspec.Struct):
    name: str
    version: str


class InitializeResult(msgspec.Struct, rename="camel"):
    protocol_version: str
    capabilities: dict[str, Any]
    server_info: Implementation


class Tool(msgspec.Struct, rename="camel", omit_defaults=True):
    name: str
    input_schema: dict[str, Any]
    description: str | None = None


class ListToolsResult(msgspec.Struct):
    tools: list[Tool]


# ---------------------------------------------------------------- server core


async def echo(text: str) -> str:
    return text


ECHO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string"}},
    "required": ["text"],
}
# The extra tools of the 1,000-tool cells: what mcplite lists for
# ``async def extra(text: str, count: int = 1) -> str`` with its one-line docstring.
EXTRA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "count": {"type": "integer", "default": 1}},
    "required": ["text"],
}
EXTRA_DESCRIPTION = "Repeat text count times."


class FloorServer:
    """Decode one message, dispatch by method, encode the answer (None for notifications)."""

    def __init__(self, tools: int = 1) -> None:
        self._decode_request = msgspec.json.Decoder(Request).decode
        self._decode_call = msgspec.json.Decoder(CallToolParams).decode
        self._decode_echo = msgspec.json.Decoder(EchoArguments).decode
        self._encode = msgspec.json.Encoder().encode
        listed = [Tool(name="echo", input_schema=ECHO_SCHEMA)] + [
            Tool(name=f"tool_{i:04d}", input_schema=EXTRA_SCHEMA, description=EXTRA_DESCRIPTION)
            for i in range(1, tools)
        ]
        self._tools_list = msgspec.Raw(self._encode(ListToolsResult(listed)))
        self._init_result = InitializeResult(
            protocol_version=PROTOCOL_VERSION,
            capabilities={"tools": {}},
            server_info=Implementation("floor", "1.0.0"),
        )

    async def handle(self, data: bytes) -> bytes | None:
        request = self._decode_request(data)
        method = request.method
        if method == "tools/call":
            result: Any = await self._call_tool(request.params)
        elif method == "tools/list":
            result = self._tools_list
        elif method == "initialize":
            result = self._init_result
        elif method == "ping":
            result = {}
        elif request.id is None:
            return None  # notifications/initialized and friends
        else:
            err = ErrorObject(METHOD_NOT_FOUND, f"unknown method {method!r}")
            return self._encode(OutError(request.id, err))
        if request.id is None:
            return None
        return self._encode(OutResponse(request.id, result))

    async def _call_tool(self, params: msgspec.Raw) -> CallToolResult:
        call = self._decode_call(params)
        if call.name != "echo":
            return CallToolResult([TextContent(f"unknown tool {call.name!r}")], is_error=True)
        try:
            args = self._decode_echo(call.arguments)
        except msgspec.ValidationError as exc:
            return CallToolResult([TextContent(str(exc))], is_error=True)
        return CallToolResult([TextContent(await echo(args.text))])


async def _pump(server: FloorServer, read: Any, write: Any, drain: Any) -> None:
    """Read messages, one task per request, write each answer when its task ends."""
    tasks: set[asyncio.Task[None]] = set()

    async def one(line: bytes) -> None:
        out = await server.handle(line)
        if out is not None:
            write(out + b"\n")
            await drain()

    while True:
        line = await read()
        if not line:
            break
        task = asyncio.create_task(one(line))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)


async def serve_stdio(tools: int = 1, max_line_bytes: int = MAX_LINE_BYTES) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=max_line_bytes)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout
    )
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    await _pump(FloorServer(tools), reader.readline, writer.write, writer.drain)


def serve_stdio_blocking(tools: int = 1, max_line_bytes: int = MAX_LINE_BYTES) -> None:
    """The no-event-loop floor: blocking reads of stdin, the same ``FloorServer`` driven to
    completion synchronously (its handlers never suspend), one flushed write per answer.

    It shows what event-loop scheduling costs (a task per request, a stream buffer, a drain):
    a second baseline under the asyncio floor, for sequential calls only (it answers one
    request at a time, so "in flight" cells would measure the client's queue).
    """
    server = FloorServer(tools)
    stdin = open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115 - process lifetime
    stdout = open(sys.stdout.fileno(), "wb", closefd=False)  # noqa: SIM115
    with contextlib.suppress(BrokenPipeError):
        while line := stdin.readline(max_line_bytes + 1):
            out = _run_sync(server.handle(line))
            if out is not None:
                stdout.write(out + b"\n")
                stdout.flush()


def _run_sync(coro: Any) -> Any:
    """Run a coroutine that never suspends; its return value."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a floor handler suspended; the blocking floor cannot wait")


# ---------------------------------------------------------------- client core


class _Caller:
    """Request ids, pending futures, typed result decoding; transports supply ``_send``."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._pending: dict[int | str | None, asyncio.Future[Response]] = {}
        self._encode = msgspec.json.Encoder().encode
        self._decode_response = msgspec.json.Decoder(Response).decode
        self._decode_call_result = msgspec.json.Decoder(CallToolResult).decode
        self._decode_list_result = msgspec.json.Decoder(ListToolsResult).decode

    async def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _received(self, data: bytes) -> None:
        try:
            response = self._decode_response(data)
        except msgspec.ValidationError:
            return  # a notification or request from the server: the benchmark needs none
        future = self._pending.pop(response.id, None)
        if future is not None and not future.done():
            future.set_result(response)

    def _fail_all(self, exc: BaseException) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()

    async def request(self, method: str, params: Any) -> msgspec.Raw:
        rid = next(self._ids)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        await self._send(self._encode(OutRequest("2.0", rid, method, params)))
        response = await future
        if response.error is not None or not response.result:
            raise RuntimeError(f"{method} failed: {response.error}")
        return response.result

    async def notify(self, method: str, params: Any = None) -> None:
        await self._send(self._encode(OutNotification("2.0", method, params)))

    async def initialize(self) -> None:
        await self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "floor", "version": "1.0.0"},
            },
        )
        await self.notify("notifications/initialized")

    async def list_tools(self) -> int:
        """tools/list, decoded to typed tools (as a client would); the number of tools."""
        return len(self._decode_list_result(await self.request("tools/list", {})).tools)

    async def call_echo(self, text: str) -> str:
        raw = await self.request("tools/call", {"name": "echo", "arguments": {"text": text}})
        result = self._decode_call_result(raw)
        if result.is_error:
            raise RuntimeError(f"echo failed: {result.content}")
        return result.content[0].text


class StdioClient(_Caller):
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        super().__init__()
        assert proc.stdin is not None and proc.stdout is not None
        self._proc = proc
        self._writer = proc.stdin
        self._reader = proc.stdout
        self._task = asyncio.create_task(self._read_loop())

    async def _read_loop(self) -> None:
        try:
            while line := await self._reader.readline():
                self._received(line)
        finally:
            self._fail_all(ConnectionError("server closed stdout"))

    async def _send(self, data: bytes) -> None:
        self._writer.write(data + b"\n")
        await self._writer.drain()

    async def aclose(self) -> None:
        self._writer.close()
        try:
            await asyncio.wait_for(self._proc.wait(), CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def connect_stdio(
    command: list[str], max_line_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[StdioClient]:
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=max_line_bytes,
    )
    client = StdioClient(proc)
    try:
        await client.initialize()
        yield client
    finally:
        await client.aclose()


class MemoryClient(_Caller):
    """The floor's in-memory pair: the stdio pump with asyncio queues instead of pipes."""

    def __init__(self) -> None:
        super().__init__()
        self._to_server: asyncio.Queue[bytes] = asyncio.Queue()
        self._to_client: asyncio.Queue[bytes] = asyncio.Queue()

        async def drain() -> None:
            return None

        self._server_task = asyncio.create_task(
            _pump(FloorServer(), self._to_server.get, self._to_client.put_nowait, drain)
        )
        self._client_task = asyncio.create_task(self._read_loop())

    async def _read_loop(self) -> None:
        while True:
            self._received(await self._to_client.get())

    async def _send(self, data: bytes) -> None:
        self._to_server.put_nowait(data)

    async def aclose(self) -> None:
        self._to_server.put_nowait(b"")
        await self._server_task
        self._client_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._client_task


@contextlib.asynccontextmanager
async def connect_memory() -> AsyncIterator[MemoryClient]:
    client = MemoryClient()
    try:
        await client.initialize()
        yield client
    finally:
        await client.aclose()


# ---------------------------------------------------------------- HTTP/1.1 server


class FloorHTTPServer:
    """Streamable HTTP on a bare asyncio loop: POST /mcp, sessions by Mcp-Session-Id."""

    def __init__(self, sse: bool, tools: int = 1) -> None:
        self.core = FloorServer(tools)
        self.sse = sse
        self.sessions: dict[bytes, dict[str, bool]] = {}

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head[:-4].split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                headers: dict[bytes, bytes] = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                writer.write(await self.respond(method, target, headers, body))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def respond(
        self, method: bytes, target: bytes, headers: dict[bytes, bytes], body: bytes
    ) -> bytes:
        if target != b"/mcp":
            return _plain(404, b"Not Found")
        sid = headers.get(b"mcp-session-id")
        if method == b"DELETE":
            return _plain(200 if self.sessions.pop(sid or b"", None) is not None else 404, b"")
        if method != b"POST":
            return _plain(405, b"Method Not Allowed", b"Allow: POST, DELETE\r\n")
        extra = b""
        if sid is None:
            # Only initialize may come without a session (2025-11-25 transports §session).
            if b'"initialize"' not in body:
                return _plain(400, b"Missing Mcp-Session-Id")
            sid = secrets.token_hex(16).encode()
            self.sessions[sid] = {"initialized": False}
            extra = b"Mcp-Session-Id: " + sid + b"\r\n"
        elif sid not in self.sessions:
            return _plain(404, b"Unknown session")
        out = await self.core.handle(body)
        if out is None:
            return _plain(202, b"", extra)
        if not self.sse:
            return (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
                % (len(out), extra)
            ) + out
        event = b"event: message\ndata: " + out + b"\n\n"
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Transfer-Encoding: chunked\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
            % (extra, len(event), event)
        )


def _plain(status: int, body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n%s\r\n%s" % (status, len(body), extra, body)


async def serve_http(host: str, port: int, sse: bool, tools: int = 1) -> None:
    http = FloorHTTPServer(sse, tools)
    server = await asyncio.start_server(
        http.connection, host, port, limit=MAX_HEAD_BYTES, reuse_address=True
    )
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------- HTTP/1.1 client


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, head: bytes, body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        self.writer.write(head + body)
        await self.writer.drain()
        reader = self.reader
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw[:-4].split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass  # trailers
                    break
                parts.append((await reader.readexactly(size + 2))[:-2])
            data = b"".join(parts)
        else:
            length = int(headers.get(b"content-length", b"0"))
            data = await reader.readexactly(length) if length else b""
        return status, headers, data


def _sse_messages(data: bytes) -> list[bytes]:
    """The non-empty ``data`` of each event in a complete SSE body (WHATWG HTML §9.2.6)."""
    out = []
    for event in data.replace(b"\r\n", b"\n").split(b"\n\n"):
        payload = b"\n".join(
            line[5:].lstrip(b" ") if line.startswith(b"data:") else b""
            for line in event.split(b"\n")
            if line.startswith(b"data:")
        )
        if payload.strip():
            out.append(payload)
    return out


class HTTPClient(_Caller):
    """A keep-alive pool of plain connections: one per call in flight, reused afterwards."""

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__()
        self._host = host
        self._port = port
        self._idle: list[_Conn] = []
        self._all: list[_Conn] = []
        self._prefix = (
            b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\n"
            b"MCP-Protocol-Version: %s\r\n"
            % (path.encode(), host.encode(), port, PROTOCOL_VERSION.encode())
        )
        self.session_id: bytes | None = None

    async def _conn(self) -> _Conn:
        if self._idle:
            return self._idle.pop()
        reader, writer = await asyncio.open_connection(self._host, self._port, limit=MAX_LINE_BYTES)
        conn = _Conn(reader, writer)
        self._all.append(conn)
        return conn

    async def _send(self, data: bytes) -> None:
        conn = await self._conn()
        head = self._prefix + b"Content-Length: %d\r\n" % len(data)
        if self.session_id is not None:
            head += b"Mcp-Session-Id: " + self.session_id + b"\r\n"
        status, headers, body = await conn.exchange(head + b"\r\n", data)
        if headers.get(b"connection", b"").lower() == b"close":
            conn.writer.close()
            self._all.remove(conn)
        else:
            self._idle.append(conn)
        if self.session_id is None and b"mcp-session-id" in headers:
            self.session_id = headers[b"mcp-session-id"]
        if status == 202:
            return
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        if headers.get(b"content-type", b"").startswith(b"text/event-stream"):
            for message in _sse_messages(body):
                self._received(message)
        else:
            self._received(body)

    async def aclose(self) -> None:
        for conn in self._all:
            conn.writer.close()
        self._all.clear()
        self._idle.clear()


@contextlib.asynccontextmanager
async def connect_http(url: str) -> AsyncIterator[HTTPClient]:
    if not url.startswith("http://"):
        raise ValueError(f"expected an http:// URL, got {url!r}")
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.rpartition(":")
    client = HTTPClient(host, int(port), "/" + path)
    try:
        await client.initialize()
        yield client
    finally:
        await client.aclose()


# ---------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor")
    parser.add_argument("transport", choices=["stdio", "stdio-blocking", "http"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sse", action="store_true", help="answer POSTs with SSE, not JSON")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--max-message-bytes", type=int, default=MAX_LINE_BYTES)
    parser.add_argument("--tools", type=int, default=1, help="tools listed (echo + N - 1)")
    parser.add_argument("--scale", action="store_true", help="no effect: the floor has no caps")
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    with contextlib.suppress(KeyboardInterrupt):
        if args.transport == "stdio-blocking":
            serve_stdio_blocking(args.tools, args.max_message_bytes)
        elif args.transport == "stdio":
            asyncio.run(serve_stdio(args.tools, args.max_message_bytes))
        else:
            asyncio.run(serve_http(args.host, args.port, args.sse, args.tools))


if __name__ == "__main__":
    main()
