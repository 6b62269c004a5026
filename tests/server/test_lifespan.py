"""``Server(lifespan=...)``: entered once before serving, exited at the end, ctx.lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import mcplite
from mcplite import Context, Server

ROOT = str(Path(__file__).resolve().parents[2])
SCRIPT = str(Path(__file__).resolve().parent / "lifespan_server.py")
TIMEOUT_SECONDS = 20


async def test_stdio_enters_once_and_exits_at_the_end(tmp_path: Path) -> None:
    log = tmp_path / "log"
    env = {**os.environ, "PYTHONPATH": ROOT}
    async with mcplite.connect([sys.executable, SCRIPT, str(log)], env=env) as client:
        for _ in range(2):
            result = await client.call_tool("greet", {})
            assert result.content[0].text == "hello from held"  # type: ignore[union-attr]
        assert log.read_text() == "enter\n"
        failed = await client.call_tool("boom", {})  # a handler error does not skip the exit
        assert failed.is_error
    assert log.read_text() == "enter\nexit\n"


def test_a_failing_startup_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    log = tmp_path / "log"
    proc = subprocess.run(
        [sys.executable, SCRIPT, str(log), "fail"],
        input="",
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        "mcplite: held: the lifespan failed at startup: RuntimeError: database unreachable\n"
    )


async def test_lifespan_scope_for_embedding_and_in_memory_clients() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(server: Server) -> AsyncIterator[str]:
        events.append("enter")
        try:
            yield "pool"
        finally:
            events.append("exit")

    server = Server("embedded", lifespan=lifespan)

    @server.tool()
    async def which(ctx: Context) -> str:
        await asyncio.sleep(0)
        return str(ctx.lifespan)

    async with server.lifespan_scope():
        async with server.lifespan_scope(), mcplite.connect(server) as client:  # entered once
            result = await client.call_tool("which", {})
            assert result.content[0].text == "pool"  # type: ignore[union-attr]
        assert events == ["enter"]
    assert events == ["enter", "exit"]
    assert server.lifespan_state is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_builtin_http_server_enters_once_and_exits_on_sigterm(tmp_path: Path) -> None:
    """Entered once per process for every session, exited at a graceful shutdown."""
    log, port = tmp_path / "log", _free_port()
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, SCRIPT, str(log), "http", str(port)],
        env={**os.environ, "PYTHONPATH": ROOT},
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
        while True:
            try:
                async with mcplite.connect(url) as client:
                    break
            except (OSError, mcplite.MCPError):
                assert asyncio.get_running_loop().time() < deadline, "the server never listened"
                await asyncio.sleep(0.05)
        for _ in range(2):  # two sessions, one lifespan
            async with mcplite.connect(url) as client:
                result = await client.call_tool("greet", {})
                assert result.content[0].text == "hello from held"  # type: ignore[union-attr]
                assert (await client.call_tool("boom", {})).is_error
        assert log.read_text() == "enter\n"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), TIMEOUT_SECONDS) == 0
        assert log.read_text() == "enter\nexit\n"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
