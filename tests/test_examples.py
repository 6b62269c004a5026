"""Every program in examples/ runs and does what its docstring says (real processes,
loopback sockets only, each bounded in time)."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

import mcplite
from mcplite import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TIMEOUT_SECONDS = 20
START_SECONDS = 10
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
ENV.pop("MCP_STATE_KEY", None)
ENV.pop("MCP_STATELESS", None)

COVERED = {
    "server.py",
    "client.py",
    "elicitation.py",
    "shared_bus.py",
    "custom_transport.py",
    "http_server.py",
    "asgi_app.py",
    "redis_workers.py",
    "weather.py",
}


SLOW_CALLBACK = re.compile(r"Executing <.*> took \d+\.\d+ seconds$")


def run_example(name: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # asyncio's debug mode (-X dev) reports a callback slower than 0.1 s; on a loaded
    # machine that is the machine, not the example.  Anything else on stderr fails.
    noise = [line for line in proc.stderr.splitlines() if not SLOW_CALLBACK.match(line)]
    assert noise == []
    return proc.stdout.splitlines()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(argv: list[str], port: int, cwd: pathlib.Path = ROOT) -> Iterator[str]:
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == COVERED


async def test_server_over_stdio_in_both_eras() -> None:
    async def confirm(params: types.ElicitParams) -> types.ElicitResult:
        assert "todo" in params.message
        return types.ElicitResult(action="accept", content={"confirm": True})

    for version in (None, "2025-11-25"):
        async with mcplite.connect(
            [sys.executable, str(EXAMPLES / "server.py")],
            env=ENV,
            elicitation=confirm,
            protocol_version=version,
        ) as client:
            names = [t.name for t in await client.list_all_tools()]
            assert names == ["add", "divide", "summarize", "count", "forget"]
            got = await client.call_tool("summarize", {"text": "a bb ccc"})
            assert got.structured_content == {"words": 3, "longest": "ccc"}
            got = await client.call_tool("forget", {"name": "todo"})
            assert got.text == "forgot todo"
            index = await client.read_resource("notes://index")
            assert index.contents[0].text == "welcome"


async def test_weather_port_of_a_fastmcp_server() -> None:
    # The same checks FastMCP's original passes (tests/interop/test_fastmcp.py), in both eras.
    from .interop._weather import check_weather

    for version in (None, "2025-11-25"):
        argv = [sys.executable, "-X", "dev", str(EXAMPLES / "weather.py")]
        await check_weather(argv, env=ENV, protocol_version=version)


def test_client() -> None:
    out = run_example("client.py")
    assert out[0] == "connected to notes 1.0.0, protocol 2026-07-28"
    assert "add -> {'result': 5}" in out
    assert "  progress 2/2: step 2" in out
    assert "notes://welcome -> Hello from mcplite." in out
    assert "complete style=f... -> ['formal', 'friendly']" in out
    assert out[-1] == "notes://missing -> error -32602: Resource not found: notes://missing"


def test_elicitation() -> None:
    expected = "published 'hello' to file:///srv/blog with 'quiet words arrive'"
    assert run_example("elicitation.py") == [
        f"2025-11-25 -> {expected}",
        f"2026-07-28 -> {expected}",
    ]


def test_shared_bus() -> None:
    assert run_example("shared_bus.py") == ["client of worker A heard: stock://apples"]


def test_custom_transport() -> None:
    assert run_example("custom_transport.py") == ["HELLO OVER TCP"]


@pytest.mark.parametrize("stateless", [False, True])
async def test_http_server(stateless: bool) -> None:
    port = free_port()
    argv = [sys.executable, str(EXAMPLES / "http_server.py"), "--port", str(port)]
    with serving([*argv, "--stateless"] if stateless else argv, port) as url:
        for version in (None, "2025-11-25"):
            async with mcplite.connect(url, protocol_version=version) as client:
                got = await client.call_tool("echo", {"text": "hi"})
                assert got.text == "hi"


async def test_asgi_app_under_uvicorn() -> None:
    pytest.importorskip("uvicorn")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(EXAMPLES),
        "asgi_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with serving(argv, port) as url:
        for version in (None, "2025-06-18"):
            async with mcplite.connect(url, protocol_version=version) as client:
                got = await client.call_tool("add", {"a": 2, "b": 40})
                assert got.structured_content == {"result": 42}


@pytest.fixture
def redis_url() -> Iterator[str]:
    from tests.server.redis_fixture import redis_server_or_skip

    for server in redis_server_or_skip():
        yield server.url


async def test_redis_workers(redis_url: str) -> None:
    from mcplite._io.httpclient import HTTPClient
    from tests.server._shared_client import Client, text_of

    ports = [free_port(), free_port()]
    with contextlib.ExitStack() as stack:
        for port in ports:
            argv = [sys.executable, str(EXAMPLES / "redis_workers.py"), str(port), redis_url]
            stack.enter_context(serving(argv, port))
        async with HTTPClient() as http:
            c = Client(http, ports)
            await c.initialize(0)  # on one worker...
            assert text_of(await c.call(1, "count", upto=2)) == "counted to 2"  # ...used on another
