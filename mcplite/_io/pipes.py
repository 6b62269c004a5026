"""The lean stdio path: lines read in the event loop's reader callback, replies coalesced
(layer 3).

Half of a hand-written asyncio server's per-call cost is scheduling: a StreamReader wakes a
reading task, which reads a line, starts a task per request, writes and drains.  Here the
pipe's ``data_received`` callback feeds the line splitter and hands each line straight to
the session (``LineReader.push_to``), whose eager dispatch (``_io/eager.py``) answers a
handler that never suspends inside that same callback; the answers of one read are written
together in one ``write`` when the callback ends (``LineWriter``).  Only a delivery that
suspends (an answer waiting for a full pipe to drain) pauses reading until it is done, so a
peer that stops reading our answers stops being read (bounded memory).
"""

from __future__ import annotations

import asyncio
import collections
from asyncio import base_subprocess
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from .._errors import ConnectionClosed, RemoteProtocolError
from .._wire.ndjson import LineSplitter, LineTooLong

# A line, or the error standing for one bad frame (an over-long line).
Item = bytes | RemoteProtocolError
Receiver = Callable[[Item], Awaitable[None] | None]

# The most one read takes.  asyncio's own 256 KiB reads allocate past malloc's mmap
# threshold (128 KiB) every time, which cost two page faults per message (a third of a
# small call's server time); a message larger than this is read in several.
DEFAULT_PIPE_READ_BYTES: Final = 64 * 1024

# What a stdio pipe is grown to (Linux F_SETPIPE_SZ, pipe(7)): from its default 64 KiB, a
# 64 KiB message plus its envelope fills the pipe, so the writer's first write is partial
# and both sides take extra loop iterations (a writer callback, a second wake-up) for
# every large message.  A pipe only ever grows (one already larger is left alone); the
# kernel counts the capacity against the user's pipe-user-pages-soft (64 MiB by default,
# so 256 KiB per pipe leaves room for over a hundred servers), and a refusal (EPERM
# past the limit, another system) keeps the default.  0 leaves the pipes alone.
DEFAULT_PIPE_BUFFER_BYTES: Final = 256 * 1024


def grow_pipe(fd: int, size: int) -> None:
    """Grow pipe ``fd`` to hold ``size`` bytes, where the system allows it; best effort."""
    if size <= 0:
        return
    try:
        import fcntl  # lazy: POSIX only; a pipe is grown only where fcntl has the verb
    except ImportError:  # pragma: no cover - not POSIX
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    get_size = getattr(fcntl, "F_GETPIPE_SZ", None)
    if set_size is None or get_size is None:
        return  # pragma: no cover - not Linux
    try:
        if fcntl.fcntl(fd, get_size) < size:
            fcntl.fcntl(fd, set_size, size)
    except OSError:
        pass  # not a pipe, or past the user's pipe limits: the default size stays


# Pulled (``receive``), not pushed: stop reading once this much is waiting to be taken
# (the StreamReader this replaces paused at twice its 256 KiB limit).
DEFAULT_PULL_BACKLOG_BYTES: Final = 512 * 1024


class LineWriter:
    """Writes one message per ``write``; while held (inside a read callback, or for the
    rest of a loop iteration after a write), messages are gathered and go out together in
    one ``writelines`` when released."""

    __slots__ = ("_gather", "_gathered", "_loop", "_writer", "coalesce")

    def __init__(self, writer: Any, *, coalesce: bool = True) -> None:
        self._writer = writer  # StreamWriter-like: writelines, transport.get_write_buffer_size
        self._loop = asyncio.get_running_loop()
        self._gather: list[bytes] | None = None
        self._gathered = 0
        self.coalesce = coalesce  # False for a regular file (nothing to coalesce for)

    def hold(self) -> bool:
        """Gather from now on; True if this call started it (and must ``release``)."""
        if self._gather is not None or not self.coalesce:
            return False
        self._gather = []
        return True

    def release(self) -> None:
        """Write what was gathered, in one call."""
        parts, self._gather = self._gather, None
        self._gathered = 0
        if parts:
            self._writer.writelines(parts)

    def write(self, data: bytes) -> int:
        """Write (or gather) ``data`` and its delimiter; the bytes now buffered."""
        gather = self._gather
        if gather is not None:
            gather += (data, b"\n")
            self._gathered += len(data) + 1
        else:
            self._writer.writelines((data, b"\n"))
            if self.coalesce:
                # Whatever else is sent in this loop iteration (the next answers of
                # handlers resumed together) joins one write at the iteration's end.
                self._gather = []
                self._loop.call_soon(self.release)
        buffered: int = self._writer.transport.get_write_buffer_size()
        return self._gathered + buffered


class LineReader(asyncio.Protocol):
    """The lines of one pipe, split in its ``data_received`` callback: pushed to a receiver
    from the callback (``push_to``) or pulled (``receive``)."""

    def __init__(self, max_line_bytes: int) -> None:
        self._splitter = LineSplitter(max_line_bytes)
        self._items: collections.deque[Item] = collections.deque()
        self._backlog = 0  # bytes in _items (pull mode)
        self._transport: asyncio.ReadTransport | None = None
        self._paused = False
        self.ended: str | None = None  # why input ended (once every line was taken)
        self._waiter: asyncio.Future[None] | None = None  # receive() waiting for a line
        self._receiver: Receiver | None = None
        self._done: asyncio.Future[None] | None = None  # push_to() waiting for the end
        self._blocked: asyncio.Future[None] | None = None  # a delivery that suspended
        self.writer: LineWriter | None = None  # held while a read's lines are delivered

    # ---------------------------------------------------------------- protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        if hasattr(transport, "max_size"):  # asyncio's pipe transports (not uvloop's)
            transport.max_size = DEFAULT_PIPE_READ_BYTES

    def data_received(self, data: bytes) -> None:
        try:
            lines: Sequence[Item] = self._splitter.feed(data)
        except LineTooLong as exc:
            lines = [*exc.lines, exc]
        if not lines:
            return  # a line still on its way
        if len(lines) == 1 and not self._items and self._blocked is None and self._receiver:
            self._deliver_one(lines[0])  # the common case: one message per read
            return
        self._items.extend(lines)
        if self._receiver is not None:
            self._pump()
        else:
            self._backlog += len(data)
            self._wake()
            if self._backlog > DEFAULT_PULL_BACKLOG_BYTES:
                self._pause()

    def eof_received(self) -> bool | None:
        return None  # close our end: a pipe has no half-close to keep

    def connection_lost(self, exc: Exception | None) -> None:
        if self.ended is not None:
            return
        self._items.extend(self._splitter.feed_eof())
        self.ended = "end of stream" if exc is None else f"reading failed: {exc!r}"
        self._transport = None
        if self._receiver is not None:
            self._pump()
        else:
            self._wake()

    # ---------------------------------------------------------------- push

    async def push_to(self, receiver: Receiver) -> None:
        """Hand every line to ``receiver`` from the read callback until input ends, then
        raise ``ConnectionClosed``.  ``receiver`` returns None when it is done with the
        line, or an awaitable: reading pauses until it completes.  Cancelling this stops
        the deliveries (and cancels one that is waiting)."""
        if self._receiver is not None:
            raise RuntimeError("the stdio transport is already delivering")
        done = self._done = asyncio.get_running_loop().create_future()
        self._receiver = receiver
        try:
            self._pump()  # whatever a receive() left
            if self._paused and self._blocked is None and not done.done():
                self._resume()
            await done
        finally:
            self._receiver = None
            self._done = None
            blocked, self._blocked = self._blocked, None
            if blocked is not None:
                blocked.cancel()

    def _deliver_one(self, item: Item) -> None:
        receiver = self._receiver
        done = self._done
        if receiver is None or done is None or done.done():
            self._items.append(item)
            return
        writer = self.writer
        held = writer is not None and writer.hold()
        try:
            pending = receiver(item)
        except Exception as exc:
            self._fail(exc)
            pending = None
        finally:
            if held:
                writer.release()  # type: ignore[union-attr]
        if pending is not None:
            self._block(pending)

    def _pump(self) -> None:
        """Deliver queued lines while nothing is blocking; then the end, if it came."""
        items = self._items
        writer = self.writer
        held = writer is not None and writer.hold()
        try:
            while items and self._blocked is None and self._receiver is not None:
                done = self._done
                if done is None or done.done():
                    return
                try:
                    pending = self._receiver(items.popleft())
                except Exception as exc:
                    self._fail(exc)
                    return
                if pending is not None:
                    self._block(pending)
        finally:
            if held:
                writer.release()  # type: ignore[union-attr]
        if not items and self._blocked is None and self.ended is not None:
            done = self._done
            if done is not None and not done.done():
                done.set_exception(ConnectionClosed(self.ended))

    def _block(self, pending: Awaitable[None]) -> None:
        fut = asyncio.ensure_future(pending)
        self._blocked = fut
        self._pause()
        fut.add_done_callback(self._unblocked)

    def _unblocked(self, fut: asyncio.Future[None]) -> None:
        if fut is not self._blocked:
            return  # push_to() ended and cancelled it
        self._blocked = None
        if fut.cancelled():
            self._fail(ConnectionClosed("a delivery was cancelled"))
            return
        exc = fut.exception()
        if exc is not None:
            self._fail(exc)
            return
        self._pump()
        if self._idle():
            self._resume()

    def _idle(self) -> bool:
        return self._blocked is None and not self._items

    def _fail(self, exc: BaseException) -> None:
        done = self._done
        if done is not None and not done.done():
            done.set_exception(exc)

    # ---------------------------------------------------------------- pull

    async def receive(self) -> bytes:
        """The next line; ``ConnectionClosed`` once input ended and every line was taken."""
        items = self._items
        while not items:
            if self.ended is not None:
                raise ConnectionClosed(self.ended)
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        item = items.popleft()
        if not items:
            self._backlog = 0
            if self._paused:
                self._resume()
        if isinstance(item, Exception):
            raise item
        return item

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---------------------------------------------------------------- flow control

    def _pause(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _resume(self) -> None:
        if self._paused:
            self._paused = False
            if self._transport is not None:
                self._transport.resume_reading()


class ChildProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """asyncio's subprocess protocol, with the child's stdout going to a ``LineReader``
    (no StreamReader) -- straight from the pipe's callback, not through the extra
    ``call_soon`` a subprocess transport puts between a pipe and its protocol."""

    def __init__(self, lines: LineReader, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.lines = lines

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        pipe = transport.get_pipe_transport(1)  # type: ignore[attr-defined]
        if pipe is None:
            return
        self.lines.connection_made(pipe)
        original = pipe.get_protocol()
        if isinstance(original, base_subprocess.ReadSubprocessPipeProto):
            pipe.set_protocol(_DirectStdout(self.lines, original))

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        if fd == 1 and isinstance(data, bytes):
            self.lines.data_received(data)  # only when the direct route is not in place
        else:
            super().pipe_data_received(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self.lines.connection_lost(exc)  # idempotent: the direct route got there first
        super().pipe_connection_lost(fd, exc)


class _DirectStdout(asyncio.Protocol):
    """The protocol of the child's stdout pipe: data to the ``LineReader`` at once; the end
    to it and to the subprocess transport (which tracks its pipes to see the child out)."""

    def __init__(self, lines: LineReader, original: asyncio.Protocol) -> None:
        self._lines = lines
        self._original = original

    def data_received(self, data: bytes) -> None:
        self._lines.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lines.connection_lost(exc)
        self._original.connection_lost(exc)
