"""stdio: real subprocesses on both ends (server on its own stdin/stdout, spawning client)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import msgspec
import pytest

import mcplite
from mcplite._errors import ConnectError, ConnectionClosed
from mcplite._io.stdio import spawn_stdio

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

SERVER = """
import os, sys
from mcplite import Server
server = Server("stdio-test", "1.0")

@server.tool()
async def add(a: int, b: int) -> int:
    return a + b

@server.tool()
async def chatty() -> str:
    print("this print must not reach the protocol stream")
    return "ok"

@server.tool()
async def die() -> str:
    sys.stderr.flush()
    os._exit(3)

server.run("stdio", max_line_bytes=int(os.environ.get("MAX_LINE", "4194304")))
"""


@pytest.fixture
def server_script(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    return path


@pytest.mark.parametrize("version", [None, "2025-11-25", "2024-11-05"])
async def test_round_trip_over_stdio(server_script: Path, version: str | None) -> None:
    async with mcplite.connect(
        [sys.executable, str(server_script)],
        env=ENV,
        stderr="capture",
        protocol_version=version,
    ) as client:
        assert client.server_info is not None and client.server_info.name == "stdio-test"
        assert client.protocol_version == (version or "2026-07-28")
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert names == ["add", "chatty", "die"]
        result = await client.call_tool("add", {"a": 2, "b": 40})
        assert result.structured_content == {"result": 42}
        result = await client.call_tool("chatty")
        assert isinstance(result.content[0], mcplite.types.TextContent)
        assert result.content[0].text == "ok"
        transport = client.transport
    assert b"must not reach the protocol stream" in transport.stderr  # type: ignore[union-attr]


async def test_dead_child_fails_pending_request(server_script: Path) -> None:
    async with mcplite.connect(
        [sys.executable, str(server_script)], env=ENV, stderr="devnull"
    ) as client:
        with pytest.raises(ConnectionClosed, match="exit status 3"):
            await client.call_tool("die")


# A raw client's initialize request, one line.
INIT_LINE = (
    msgspec.json.encode(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        }
    )
    + b"\n"
)


async def raw_server(script: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**ENV, **env},
    )


async def test_over_long_line_gets_an_error_and_serving_goes_on(server_script: Path) -> None:
    proc = await raw_server(server_script, MAX_LINE="200")
    assert proc.stdin is not None and proc.stdout is not None
    # The id is read from the line's first bytes: the error answers that request, so the
    # client does not wait out its timeout (issue 14).
    proc.stdin.write(
        b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + b"x" * 500 + b'"}}\n'
    )
    proc.stdin.write(b'{"pad":"' + b"x" * 500 + b'"}\n')  # no id to answer: a null id
    proc.stdin.write(b'{"jsonrpc":"2.0","id":2,"method":"ping"}\n')
    await proc.stdin.drain()
    replies = [
        msgspec.json.decode(await asyncio.wait_for(proc.stdout.readline(), 5)) for _ in range(3)
    ]
    error = next(r for r in replies if r["id"] == 1)
    assert error["error"]["code"] == -32600
    assert "too large (line exceeds 200 bytes" in error["error"]["message"]
    anonymous = next(r for r in replies if r["id"] is None)
    assert anonymous["error"]["code"] == -32700
    assert "line exceeds 200 bytes" in anonymous["error"]["message"]
    assert {"jsonrpc": "2.0", "id": 2, "result": {}} in replies
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), 5) == 0


async def test_hostile_json_gets_parse_errors_and_serving_goes_on(server_script: Path) -> None:
    # 100,000 levels deep used to raise RecursionError out of the decoder and end the
    # process; invalid UTF-8 inside params used to be accepted and answered.
    proc = await raw_server(server_script)
    assert proc.stdin is not None and proc.stdout is not None
    deep = b"[" * 100_000 + b"]" * 100_000
    proc.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":' + deep + b"}}\n")
    proc.stdin.write(b'{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"\xff"}}\n')
    proc.stdin.write(b'{"jsonrpc":"2.0","id":3,"method":"ping"}\n')
    await proc.stdin.drain()
    replies = [
        msgspec.json.decode(await asyncio.wait_for(proc.stdout.readline(), 5)) for _ in range(3)
    ]
    errors = [r["error"] for r in replies if r["id"] is None]
    assert [e["code"] for e in errors] == [-32700, -32700]
    assert "deeper than the limit of 128 levels" in errors[0]["message"]
    assert "invalid UTF-8" in errors[1]["message"]
    assert {"jsonrpc": "2.0", "id": 3, "result": {}} in replies
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), 5) == 0


async def test_server_exits_within_one_second_of_stdin_eof(server_script: Path) -> None:
    proc = await raw_server(server_script)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(INIT_LINE)
    await proc.stdin.drain()
    line = await asyncio.wait_for(proc.stdout.readline(), 5)
    assert msgspec.json.decode(line)["result"]["protocolVersion"] == "2025-11-25"
    started = time.monotonic()
    proc.stdin.close()
    await asyncio.wait_for(proc.wait(), 5)
    assert time.monotonic() - started < 1.0
    assert await proc.stdout.read() == b""  # nothing but JSON-RPC lines ever


async def test_close_escalates_to_sigkill(tmp_path: Path) -> None:
    stubborn = tmp_path / "stubborn.py"
    stubborn.write_text(
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
        "sys.stdin.read()\n"
        "time.sleep(60)\n"
    )
    transport = await spawn_stdio([sys.executable, str(stubborn)], stderr="capture")
    transport.stdin_close_wait = 0.05
    transport.terminate_wait = 0.05
    assert await transport.receive() == b"ready"
    started = time.monotonic()
    await transport.aclose()
    assert time.monotonic() - started < 2.0
    assert transport.process.returncode == -9
    with pytest.raises(ConnectionClosed):
        await transport.send(b"{}")


async def test_missing_command_is_a_connect_error() -> None:
    with pytest.raises(ConnectError, match="cannot start"):
        await spawn_stdio(["/nonexistent/mcp-server"])
    with pytest.raises(ConnectError, match="empty"):
        await spawn_stdio([])


async def test_stdout_is_given_back_after_the_server_stops(tmp_path: Path) -> None:
    script = tmp_path / "after.py"
    script.write_text("from mcplite import Server\nServer('x').run()\nprint('printed after run')\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=ENV,
    )
    out, err = await asyncio.wait_for(
        proc.communicate(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n'), 10
    )
    lines = out.decode().splitlines()
    assert msgspec.json.decode(lines[0]) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert lines[1:] == ["printed after run"]  # fd 1 is stdout again, not stderr
    assert b"printed after run" not in err


def _pipe_size(fd: int) -> int:
    import fcntl

    return int(fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ))


def _child_pipe_sizes(process: asyncio.subprocess.Process) -> list[int]:
    pipes = [process._transport.get_pipe_transport(fd) for fd in (0, 1)]  # type: ignore[attr-defined]
    return [_pipe_size(pipe.get_extra_info("pipe").fileno()) for pipe in pipes]


SLEEPER = [sys.executable, "-c", "import time; time.sleep(30)"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
async def test_the_stdio_pipes_are_grown_on_both_ends(server_script: Path) -> None:
    from mcplite._io.pipes import DEFAULT_PIPE_BUFFER_BYTES

    # The client grows the pipes it spawns the server with (0: leaves them alone)...
    for size, expected in ((DEFAULT_PIPE_BUFFER_BYTES, DEFAULT_PIPE_BUFFER_BYTES), (0, 65536)):
        transport = await spawn_stdio(SLEEPER, pipe_buffer_bytes=size)
        try:
            assert _child_pipe_sizes(transport.process) == [expected, expected]
        finally:
            await transport.aclose()
    # ... and a server grows its stdin/stdout pipes whoever made them (here: default-size
    # pipes made by asyncio for a floor-style client).
    child = await raw_server(server_script)
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(INIT_LINE)
        await child.stdin.drain()
        assert b'"result"' in await asyncio.wait_for(child.stdout.readline(), 30)
        assert _child_pipe_sizes(child) == [DEFAULT_PIPE_BUFFER_BYTES] * 2
    finally:
        child.stdin.close()
        await asyncio.wait_for(child.wait(), 30)


async def test_a_child_that_exits_at_once_is_spawned_without_error() -> None:
    # Its pipes can be closed before spawn_stdio grows them: that is not an error of the
    # spawn (the session reports the end), found by `mcplite list -- false`.
    for _ in range(5):
        transport = await spawn_stdio(["false"])
        await transport.aclose()
