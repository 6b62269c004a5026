"""stdio transports: a server on its own stdin/stdout, a client that spawns one (layer 3).

MCP stdio (every revision, basic/transports): newline-delimited JSON-RPC on stdin/stdout;
the server MUST NOT write anything to stdout that is not a valid MCP message, so while a
server runs, file descriptor 1 is pointed at stderr and messages go to a private duplicate
of the real stdout.  Shutdown (2025-11-25 basic/lifecycle.mdx "stdio"): the client closes
the child's stdin, waits, then SIGTERM, waits, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import selectors
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any, Final

from .._errors import ConnectError, ConnectionClosed, RemoteProtocolError
from .._wire.ndjson import DEFAULT_MAX_LINE_BYTES, LineSplitter, LineTooLong
from .pipes import (
    DEFAULT_PIPE_BUFFER_BYTES,
    ChildProtocol,
    Item,
    LineReader,
    LineWriter,
    Receiver,
    grow_pipe,
)

log = logging.getLogger(__name__)

DEFAULT_READ_CHUNK_BYTES: Final = 256 * 1024
DEFAULT_STDIN_CLOSE_WAIT_SECONDS: Final = 1.0
DEFAULT_TERMINATE_WAIT_SECONDS: Final = 1.0
DEFAULT_STDERR_CAPTURE_BYTES: Final = 64 * 1024
# Flush the writer once this much is buffered (keeps memory bounded under a slow reader).
DEFAULT_WRITE_HIGH_WATER_BYTES: Final = 1024 * 1024
# On close, what is still buffered gets this long to reach a peer that may have stopped
# reading; then the pipe is dropped (a close must never hang on a peer).
DEFAULT_FLUSH_TIMEOUT_SECONDS: Final = 1.0

RequestId = int | str


# How long, after SIGKILL, close waits for the child watcher to see the exit, and how often
# it looks (a killed child is gone within milliseconds).
_REAP_GRACE_SECONDS: Final = 1.0
_REAP_POLL_SECONDS: Final = 0.002


class StreamTransport:
    """NDJSON over a pipe pair (both stdio ends use this).

    ``reader`` is a ``LineReader`` (the lean path: lines split in the pipe's read callback
    and, through ``push_to``, handed to the session from it) or anything with an
    ``async read(n)`` (a regular file; a StreamReader), read by pulling.  ``writer`` is a
    StreamWriter-like object; with ``coalesce_writes`` (the server's end) messages sent
    within one read callback or one loop iteration go out in one write, without it (the
    client's end) each goes out as it is sent; either way a send waits (drains) only when
    the pipe is full.
    """

    def __init__(
        self,
        reader: LineReader | Any,
        writer: asyncio.StreamWriter | Any,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        read_chunk_bytes: int = DEFAULT_READ_CHUNK_BYTES,
        flush_timeout: float = DEFAULT_FLUSH_TIMEOUT_SECONDS,
        coalesce_writes: bool = True,
    ) -> None:
        self.flush_timeout = flush_timeout
        self._writer = writer
        # Nothing to coalesce into a regular file (writes to it never wait for a reader).
        self.coalesce_writes = coalesce_writes and not isinstance(writer, _FileWriter)
        self._out = LineWriter(writer, coalesce=self.coalesce_writes)
        self._lines: LineReader | _PulledLines
        if isinstance(reader, LineReader):
            self._lines = reader
            reader.writer = self._out  # a read's answers leave in one write
        else:
            self._lines = _PulledLines(reader, max_line_bytes, read_chunk_bytes)
        self._closed = False

    async def receive(self) -> bytes:
        return await self._lines.receive()

    async def push_to(self, receiver: Receiver) -> None:
        """Push each payload to ``receiver`` as it is read, until input ends (then raise
        ``ConnectionClosed``); see ``LineReader.push_to``.  The session reads this way."""
        await self._lines.push_to(receiver)

    async def send(self, data: bytes, related: RequestId | None = None) -> None:
        if self._closed:
            raise ConnectionClosed("the stdio transport is closed")
        try:
            if self._out.write(data) > DEFAULT_WRITE_HIGH_WATER_BYTES:
                self._out.release()
                await self._writer.drain()  # the pipe is full: wait for the peer to read
        except (ConnectionError, OSError, RuntimeError) as exc:
            self._closed = True
            raise ConnectionClosed(f"writing failed: {exc!r}") from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        writer = self._writer
        try:
            self._out.release()
            async with asyncio.timeout(self.flush_timeout):
                await writer.drain()
        except TimeoutError:
            abort = getattr(writer.transport, "abort", None)
            if abort is not None:
                abort()  # the peer stopped reading: drop what it will never take
        except (ConnectionError, OSError, RuntimeError):
            pass
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            writer.close()


class _PulledLines:
    """Lines from anything with ``async read(n)``: the path for what the event loop cannot
    watch (a regular file read in a thread) or a StreamReader handed in."""

    def __init__(self, reader: Any, max_line_bytes: int, read_chunk_bytes: int) -> None:
        self._reader = reader
        self._splitter = LineSplitter(max_line_bytes)
        self._lines: collections.deque[bytes | Exception] = collections.deque()
        self._chunk = read_chunk_bytes
        self.ended: str | None = None

    async def receive(self) -> bytes:
        lines = self._lines
        while not lines:
            if self.ended is not None:
                raise ConnectionClosed(self.ended)
            try:
                data = await self._reader.read(self._chunk)
            except (ConnectionError, OSError) as exc:
                raise ConnectionClosed(f"reading failed: {exc!r}") from exc
            if not data:
                self.ended = "end of stream"
                lines.extend(self._splitter.feed_eof())
                continue
            try:
                lines.extend(self._splitter.feed(data))
            except LineTooLong as exc:
                lines.extend(exc.lines)
                lines.append(exc)
        item = lines.popleft()
        if isinstance(item, Exception):
            raise item
        return item

    async def push_to(self, receiver: Receiver) -> None:
        while True:
            item: Item
            try:
                item = await self.receive()
            except RemoteProtocolError as exc:
                item = exc
            pending = receiver(item)
            if pending is not None:
                await pending


class _FileReader:
    """The ``read`` half of a StreamReader over a regular file (or anything the event loop
    cannot watch): each read runs in a worker thread.  A regular file never blocks for
    long, so the thread always comes back."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    async def read(self, n: int) -> bytes:
        return await asyncio.to_thread(os.read, self._fd, n)


class _FileWriter:
    """The part of a StreamWriter StreamTransport uses, over a regular file: writes go
    straight to the descriptor (writing to a regular file does not block on a reader)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._fd = file.fileno()

    @property
    def transport(self) -> _FileWriter:
        return self  # nothing is ever buffered: see get_write_buffer_size

    def get_write_buffer_size(self) -> int:
        return 0

    def writelines(self, parts: Sequence[bytes]) -> None:
        if self._file.closed:
            raise ConnectionClosed("the output file is closed")
        for part in parts:
            view = memoryview(part)
            while view:
                view = view[os.write(self._fd, view) :]

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        self._file.close()


def _watchable(fd: int) -> bool:
    """Whether the event loop's selector accepts ``fd``.  epoll refuses regular files and
    some character devices (``server < /dev/null``: EPERM), and asyncio only finds out in
    the callback that registers the pipe, after connect_read_pipe has returned: the error
    is logged and the server then waits for input forever."""
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(fd, selectors.EVENT_READ)
        except (OSError, ValueError):
            return False
    return True


async def _read_stream(read_fd: int, max_line_bytes: int) -> LineReader | _FileReader:
    loop = asyncio.get_running_loop()
    if not _watchable(read_fd):
        return _FileReader(read_fd)  # a regular file or /dev/null: thread reads
    reader = LineReader(max_line_bytes)
    rfile = os.fdopen(read_fd, "rb", buffering=0, closefd=False)
    try:
        await loop.connect_read_pipe(lambda: reader, rfile)
    except (ValueError, OSError):
        # "Pipe transport is only for pipes, sockets and character devices": stdin is a
        # regular file (``server < requests.jsonl``).
        return _FileReader(read_fd)
    return reader


async def _write_stream(write_fd: int) -> asyncio.StreamWriter | _FileWriter:
    loop = asyncio.get_running_loop()
    wfile = os.fdopen(write_fd, "wb", buffering=0)  # owned (and closed) by the writer
    try:
        w_transport, w_protocol = await loop.connect_write_pipe(
            lambda: asyncio.streams.FlowControlMixin(loop=loop), wfile
        )
    except (ValueError, OSError):
        return _FileWriter(wfile)  # stdout is a regular file (``server > out.jsonl``)
    return asyncio.StreamWriter(w_transport, w_protocol, None, loop)


async def _pipe_streams(read_fd: int, write_fd: int, max_line_bytes: int) -> tuple[Any, Any]:
    """A reader of ``read_fd`` and a writer to ``write_fd`` (which the writer owns): event
    loop pipes when the descriptors are pipes, sockets or terminals (the fast path),
    thread reads / direct writes when they are regular files."""
    reader = await _read_stream(read_fd, max_line_bytes)
    writer = await _write_stream(write_fd)
    return reader, writer


@contextlib.asynccontextmanager
async def stdio_server_transport(
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    protect_stdout: bool = True,
    pipe_buffer_bytes: int = DEFAULT_PIPE_BUFFER_BYTES,
) -> Any:
    """The transport of a server speaking MCP on this process's stdin/stdout.

    With ``protect_stdout`` (the default) fd 1 is redirected to stderr for the duration,
    so a stray ``print`` cannot corrupt the protocol stream.  Pipes on stdin/stdout are
    grown to ``pipe_buffer_bytes`` where the system allows it (0: left alone).
    """
    sys.stdout.flush()
    out_fd = os.dup(1)
    try:
        reader, writer = await _pipe_streams(0, out_fd, max_line_bytes)
    except (OSError, ValueError) as exc:
        os.close(out_fd)
        raise ConnectError(f"cannot use stdin/stdout as pipes: {exc}") from exc
    # Redirect only once the protocol stream is set up, and put fd 1 back afterwards, so
    # code that runs after the server (or a failed start) prints where it expects to.
    grow_pipe(0, pipe_buffer_bytes)
    grow_pipe(out_fd, pipe_buffer_bytes)
    saved = os.dup(1) if protect_stdout else -1
    if protect_stdout:
        os.dup2(2, 1)
    transport = StreamTransport(reader, writer, max_line_bytes=max_line_bytes)
    try:
        yield transport
    finally:
        await transport.aclose()
        if saved >= 0:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


class StdioClientTransport(StreamTransport):
    """Spawn ``command`` and speak MCP on its stdin/stdout.

    Requests go out one write each, as they are sent (``coalesce_writes=False``): a server
    that gathers its answers (as mcplite's does) and a client that gathers its requests
    pass work back and forth in whole batches, each side idle while the other works its
    batch.  16 calls in flight between mcplite's client and server ran at 36-37k calls/s
    that way against 56-82k/s with requests written one by one, on two cores, in one run;
    the server keeps coalescing (its answers to one read leave together).
    """

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        stdin_close_wait: float = DEFAULT_STDIN_CLOSE_WAIT_SECONDS,
        terminate_wait: float = DEFAULT_TERMINATE_WAIT_SECONDS,
        stderr_capture_bytes: int = DEFAULT_STDERR_CAPTURE_BYTES,
        lines: LineReader | None = None,
    ) -> None:
        # ``lines``: the child's stdout as ``spawn_stdio`` wires it (the lean path); a
        # process made elsewhere is read through its StreamReader.
        assert process.stdout is not None and process.stdin is not None
        reader = lines if lines is not None else process.stdout
        super().__init__(
            reader, process.stdin, max_line_bytes=max_line_bytes, coalesce_writes=False
        )
        self.process = process
        self.stdin_close_wait = stdin_close_wait
        self.terminate_wait = terminate_wait
        self._stderr = bytearray()
        self._stderr_cap = stderr_capture_bytes
        self._stderr_task: asyncio.Task[None] | None = None
        if process.stderr is not None:
            self._stderr_task = asyncio.get_running_loop().create_task(
                self._drain_stderr(process.stderr)
            )

    @property
    def stderr(self) -> bytes:
        """The last ``stderr_capture_bytes`` the child wrote (when stderr is captured)."""
        return bytes(self._stderr)

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await stream.read(65536):
                self._stderr += chunk
                if len(self._stderr) > self._stderr_cap:
                    del self._stderr[: len(self._stderr) - self._stderr_cap]

    async def receive(self) -> bytes:
        try:
            return await super().receive()
        except ConnectionClosed:
            raise await self._stdout_closed() from None

    async def push_to(self, receiver: Receiver) -> None:
        try:
            await super().push_to(receiver)
        except ConnectionClosed:
            if self._lines.ended is None:
                raise  # not the end of stdout (a send failed)
            raise await self._stdout_closed() from None

    async def _stdout_closed(self) -> ConnectionClosed:
        # stdout closed: the child is probably exiting; give it a moment so the error
        # can say how it ended.
        with contextlib.suppress(asyncio.TimeoutError):
            async with asyncio.timeout(self.stdin_close_wait):
                await self.process.wait()
        code = self.process.returncode
        detail = f" (exit status {code})" if code is not None else ""
        return ConnectionClosed(f"the server process closed its stdout{detail}")

    async def aclose(self) -> None:
        """stdin EOF -> wait -> SIGTERM -> wait -> SIGKILL; bounded in time.

        The child is reaped whatever happens: if this is cancelled part way (a caller's
        own timeout), the child is killed and reaped on the way out, never left running.
        """
        try:
            await self._close_child()
        finally:
            await self._reap()

    async def _close_child(self) -> None:
        await super().aclose()
        proc = self.process
        if proc.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                async with asyncio.timeout(self.stdin_close_wait):
                    await proc.wait()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                async with asyncio.timeout(self.terminate_wait):
                    await proc.wait()

    async def _reap(self) -> None:
        proc = self.process
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # SIGKILL cannot be ignored
        task = self._stderr_task
        if task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                async with asyncio.timeout(self.terminate_wait):
                    await asyncio.shield(task)
            if not task.done():
                task.cancel()
        # Close our ends of the child's pipes: asyncio sees the exit only once they are
        # closed, and a stdout reader paused on a full buffer (a flooding child) never
        # would be.  ``Process`` has no public handle on its transport.
        transport = getattr(proc, "_transport", None)
        if transport is not None:
            # Let asyncio's child watcher record the exit first: closing a subprocess
            # transport whose returncode it does not know yet polls (and so reaps) the
            # child itself, and the watcher then logs "Unknown child process pid" and
            # reports 255 instead of the real status (-9 after our SIGKILL).
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.terminate_wait + _REAP_GRACE_SECONDS
            # asyncio offers no event for it: poll, bounded.
            while transport.get_returncode() is None and loop.time() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_REAP_POLL_SECONDS)
            transport.close()
        await proc.wait()


async def spawn_stdio(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    stderr: str | int | IO[Any] | None = "inherit",
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    pipe_buffer_bytes: int = DEFAULT_PIPE_BUFFER_BYTES,
) -> StdioClientTransport:
    """Start ``command`` as an MCP server subprocess.

    ``stderr``: "inherit" (the default: the child's log lines show in ours), "capture"
    (kept, bounded, in ``transport.stderr``), "devnull", or a file object / descriptor.
    The pipes to and from the child are grown to ``pipe_buffer_bytes`` where the system
    allows it (0: left alone).
    """
    if not command:
        raise ConnectError("the server command is empty")
    err: Any
    if stderr == "inherit":
        err = None
    elif stderr == "capture":
        err = subprocess.PIPE
    elif stderr == "devnull":
        err = subprocess.DEVNULL
    else:
        err = stderr
    loop = asyncio.get_running_loop()
    lines = LineReader(max_line_bytes)
    try:
        # asyncio.create_subprocess_exec, with the child's stdout read by ``lines``.
        transport, protocol = await loop.subprocess_exec(
            lambda: ChildProtocol(lines, DEFAULT_READ_CHUNK_BYTES, loop),
            *command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except OSError as exc:
        raise ConnectError(f"cannot start {command[0]!r}: {exc}") from exc
    for fd in (0, 1):
        pipe = transport.get_pipe_transport(fd)
        pipe_file = pipe.get_extra_info("pipe") if pipe is not None else None
        if pipe_file is not None and not pipe_file.closed:
            # Closed already when the child exited at once (``false``): its end is
            # reported where the session reads, as for any child.
            grow_pipe(pipe_file.fileno(), pipe_buffer_bytes)
    proc = asyncio.subprocess.Process(transport, protocol, loop)
    return StdioClientTransport(proc, max_line_bytes=max_line_bytes, lines=lines)
