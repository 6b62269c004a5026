"""``mcplite proxy``: a stdio server over (authenticated) HTTP, an HTTP server over stdio."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import mcplite
from mcplite import HTTPStatusError
from mcplite._cli import main as cli
from tests.gateway.backend import build

ROOT = Path(__file__).resolve().parents[2]
BACKEND = str(Path(__file__).with_name("backend.py"))
START_SECONDS = 15
TOKEN_VAR = "MCPLITE_TEST_GATEWAY_TOKEN"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _gateway(*flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcplite",
            "proxy",
            "--http",
            f"127.0.0.1:{port}",
            *flags,
            "--",
            sys.executable,
            BACKEND,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung gateway
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize("stateless", [False, True], ids=["stateful", "stateless"])
@pytest.mark.parametrize("version", ["2026-07-28", "2025-11-25"])
async def test_a_stdio_server_over_http_behind_a_bearer_token(
    stateless: bool, version: str
) -> None:
    flags = ["--auth-token-env", TOKEN_VAR] + (["--stateless"] if stateless else [])
    with _gateway(*flags, env={TOKEN_VAR: "s3cret"}) as url:
        auth = {"Authorization": "Bearer s3cret"}
        async with mcplite.connect(url, headers=auth, protocol_version=version) as client:
            result = await client.call_tool("add", {"a": 20, "b": 22})
            assert result.structured_content == {"result": 42}
        with pytest.raises(HTTPStatusError) as err:
            async with mcplite.connect(url, protocol_version="2025-11-25") as client:
                await client.list_tools()
        assert err.value.status == 401


async def test_an_http_server_over_stdio() -> None:
    async with mcplite.StreamableHTTPServer(build("remote")) as http:
        command = [sys.executable, "-m", "mcplite", "proxy", "--stdio", http.url]
        async with mcplite.connect(command, env={**os.environ, "PYTHONPATH": str(ROOT)}) as c:
            assert c.server_info is not None and c.server_info.name == "remote"
            result = await c.call_tool("echo", {"text": "through"})
            assert result.content[0].text == "through"  # type: ignore[union-attr]


def test_usage_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["proxy", "--stateless", "--", "true"]) == cli.EXIT_USAGE
    assert "--stateless and --auth-token-env need --http" in capsys.readouterr().err
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    args = ["proxy", "--http", "127.0.0.1:1", "--auth-token-env", TOKEN_VAR, "--", "true"]
    assert cli.main(args) == cli.EXIT_USAGE
    assert f"--auth-token-env {TOKEN_VAR}: the environment variable is not set" in (
        capsys.readouterr().err
    )
    assert cli.main(["proxy", "--http", "nowhere", "--", "true"]) == cli.EXIT_USAGE
    assert "--http expects HOST:PORT" in capsys.readouterr().err
    assert cli.main(["proxy"]) == cli.EXIT_USAGE
    assert "give a TARGET" in capsys.readouterr().err
