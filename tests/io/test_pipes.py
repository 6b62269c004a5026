"""The lean stdio path (_io/pipes.py) on real pipes: lines pushed from the read callback,
a suspended delivery pausing reading, answers gathered into one write."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import mcplite
from mcplite._errors import ConnectionClosed
from mcplite._io.pipes import LineReader, LineWriter
from mcplite._io.stdio import StdioClientTransport, StreamTransport
from mcplite._wire.ndjson import LineTooLong

ROOT = Path(__file__).resolve().parents[2]


async def _read_pipe(max_line_bytes: int = 64) -> tuple[LineReader, int, asyncio.ReadTransport]:
    r, w = os.pipe()
    loop = asyncio.get_running_loop()
    lines = LineReader(max_line_bytes)
    transport, _ = await loop.connect_read_pipe(lambda: lines, os.fdopen(r, "rb", buffering=0))
    return lines, w, transport


async def _until(predicate: object, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def test_lines_are_pushed_and_a_suspended_delivery_pauses_reading() -> None:
    lines, w, transport = await _read_pipe()
    seen: list[object] = []
    gate = asyncio.get_running_loop().create_future()

    def receiver(item: object) -> asyncio.Future[None] | None:
        seen.append(item)
        return gate if item == b"block" else None

    pushing = asyncio.ensure_future(lines.push_to(receiver))
    try:
        os.write(w, b"a\r\nblock\nb\n" + b"x" * 100 + b"\nc")
        await _until(lambda: len(seen) == 2)
        assert seen == [b"a", b"block"]
        assert transport.is_reading() is False  # paused until the delivery is done
        os.write(w, b"\n")
        gate.set_result(None)
        await _until(lambda: len(seen) == 5)
        assert seen[2] == b"b" and isinstance(seen[3], LineTooLong) and seen[4] == b"c"
        assert transport.is_reading()
        os.write(w, b"tail-without-newline")
        os.close(w)
        with pytest.raises(ConnectionClosed, match="end of stream"):
            await asyncio.wait_for(pushing, 5)
        assert seen[-1] == b"tail-without-newline"
    finally:
        pushing.cancel()
        transport.close()


async def test_a_delivery_that_raises_ends_push_to_with_its_error() -> None:
    lines, w, transport = await _read_pipe()

    def receiver(item: object) -> None:
        raise OSError(f"cannot take {item!r}")

    try:
        os.write(w, b"one\n")
        with pytest.raises(OSError, match="cannot take b'one'"):
            await asyncio.wait_for(lines.push_to(receiver), 5)
    finally:
        os.close(w)
        transport.close()


async def test_pulling_still_works_and_stops_at_the_end() -> None:
    lines, w, transport = await _read_pipe()
    try:
        os.write(w, b"one\ntwo\n")
        assert await lines.receive() == b"one"
        assert await lines.receive() == b"two"
        os.close(w)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(lines.receive(), 5)
    finally:
        transport.close()


@contextlib.asynccontextmanager
async def write_pipe() -> AsyncIterator[tuple[LineWriter, int]]:
    r, w = os.pipe()
    os.set_blocking(r, False)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.streams.FlowControlMixin(loop=loop), os.fdopen(w, "wb", buffering=0)
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    try:
        yield LineWriter(writer), r
    finally:
        transport.close()
        os.close(r)


def _pending(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return b""


async def test_held_messages_go_out_together_on_release() -> None:
    async with write_pipe() as (out, r):
        assert out.hold() is True
        assert out.hold() is False  # nested: the outer holder releases
        out.write(b"1")
        out.write(b"2")
        assert _pending(r) == b""  # nothing written yet
        out.release()
        assert _pending(r) == b"1\n2\n"


async def test_after_a_write_the_rest_of_the_iteration_is_gathered() -> None:
    async with write_pipe() as (out, r):
        out.write(b"first")  # written at once: nothing to wait for
        out.write(b"second")
        out.write(b"third")
        assert _pending(r) == b"first\n"
        await asyncio.sleep(0)  # the iteration ends: what it gathered leaves in one write
        assert _pending(r) == b"second\nthird\n"


BIG_ECHO = """
import os
from mcplite import Server
server = Server("big")

@server.tool()
def size(text: str) -> int:
    return len(text)

@server.tool()
def make(n: int) -> str:
    return "y" * n

server.run("stdio", max_line_bytes=int(os.environ["MAX_LINE"]))
"""


async def test_messages_over_4_mib_pass_once_both_limits_are_raised(tmp_path: Path) -> None:
    script = tmp_path / "big.py"
    script.write_text(BIG_ECHO)
    limit = 16 * 1024 * 1024
    env = {"PYTHONPATH": str(ROOT), "MAX_LINE": str(limit)}
    five_mib = 5 * 1024 * 1024
    async with mcplite.connect([sys.executable, str(script)], env=env, max_line_bytes=limit) as c:
        result = await c.call_tool("size", {"text": "x" * five_mib})
        assert result.structured_content == {"result": five_mib}
        result = await c.call_tool("make", {"n": five_mib})
        assert len(result.content[0].text) == five_mib  # type: ignore[union-attr]
    # With the server's default (4 MiB) the same request is refused; the session goes on.
    env["MAX_LINE"] = str(4 * 1024 * 1024)
    async with mcplite.connect([sys.executable, str(script)], env=env, max_line_bytes=limit) as c:
        with pytest.raises(mcplite.RPCError, match="too large"):
            await c.call_tool("size", {"text": "x" * five_mib})
        assert (await c.call_tool("size", {"text": "ok"})).structured_content == {"result": 2}


async def test_a_burst_in_one_write_is_answered_in_order(tmp_path: Path) -> None:
    script = tmp_path / "big.py"
    script.write_text(BIG_ECHO)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAX_LINE": "4194304"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    burst = b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"ping"}\n' % i for i in range(1, 201))
    proc.stdin.write(burst)
    await proc.stdin.drain()
    ids = []
    for _ in range(200):
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        ids.append(int(line.split(b'"id":')[1].split(b",")[0].rstrip(b"}")))
    assert ids == list(range(1, 201))
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), 10) == 0


async def test_the_client_end_writes_each_request_as_it_is_sent() -> None:
    # A client that gathered its requests until the end of the loop iteration, talking to a
    # server that gathers its answers, passed whole batches back and forth with each side
    # idle while the other worked (16 calls in flight ran at half the floor's rate).
    async with write_pipe() as (out, r):
        writer = out._writer
        lines = LineReader(64)
        child = SimpleNamespace(stdin=writer, stdout=lines, stderr=None)
        client = StdioClientTransport(child, lines=lines)  # type: ignore[arg-type]
        assert client.coalesce_writes is False
        await client.send(b"one")
        await client.send(b"two")
        assert _pending(r) == b"one\ntwo\n"  # both written, with no loop iteration between
        server_end = StreamTransport(LineReader(64), writer)
        assert server_end.coalesce_writes is True  # the server's answers still leave together
        await server_end.send(b"three")
        await server_end.send(b"four")
        assert _pending(r) == b"three\n"
        await asyncio.sleep(0)
        assert _pending(r) == b"four\n"
