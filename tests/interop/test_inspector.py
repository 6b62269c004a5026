"""The MCP Inspector's command line (npm, pinned in _peers.INSPECTOR, ``--cli`` mode) against
mcplite's conformance everything server over stdio and streamable HTTP (stateful and
stateless).

Each call is one Inspector process: it connects, sends one request, prints the result as
JSON on stdout and exits (0, or 5 when a tool fails).  It drives tools (text, image, an
``isError`` result, a tool that does not exist), resources, prompts with arguments and
logging/setLevel.  The calls of one server run side by side, as each is a process of its own.
It also starts, from ``--config FILE --server NAME``, the entry ``mcplite config`` prints for
examples/weather.py (issue 17, "Done when").
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._peers import (
    EVERYTHING_SERVER,
    PEER_TIMEOUT_SECONDS,
    ROOT,
    free_port,
    http_server,
    inspector,
)

PARALLEL_CALLS = 4
EXIT_TOOL_FAILED = 5  # the Inspector CLI's status for a tool error or an unknown tool


def _run(
    command: list[str], target: list[str], request: list[str], catalog: Path | None
) -> tuple[int, Any, str]:
    """One Inspector call: (exit status, its JSON stdout or None, stderr).

    ``catalog`` None: the target is ``--config FILE``, which the Inspector refuses alongside
    a catalog (a read-only session file).
    """
    env = {**os.environ, "NO_COLOR": "1"}
    if catalog is None:
        # No OS keychain in CI: the Inspector's (unused) secrets stay in memory.
        env["MCP_INSPECTOR_SECRET_STORE"] = "memory"
    else:
        # Its catalog of servers (written on use) stays out of the home directory.
        env["MCP_CATALOG_PATH"] = str(catalog)
    proc = subprocess.run(
        [*command, *target, *request],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_SECONDS,
        check=False,
    )
    out = proc.stdout.strip()
    return proc.returncode, json.loads(out) if out.startswith("{") else None, proc.stderr


CALLS: dict[str, list[str]] = {
    "tools/list": ["--method", "tools/list"],
    "text": ["--method", "tools/call", "--tool-name", "test_simple_text"],
    "image": ["--method", "tools/call", "--tool-name", "test_image_content"],
    "isError": ["--method", "tools/call", "--tool-name", "test_error_handling"],
    "no such tool": ["--method", "tools/call", "--tool-name", "no_such_tool"],
    "resources/read": ["--method", "resources/read", "--uri", "test://static-text"],
    "prompts/get": [
        *["--method", "prompts/get", "--prompt-name", "test_prompt_with_arguments"],
        *["--prompt-args", "arg1=first", "arg2=second"],
    ],
    "logging/setLevel": ["--method", "logging/setLevel", "--log-level", "debug"],
}


def _check(results: dict[str, tuple[int, Any, str]]) -> None:
    def ok(name: str) -> Any:
        code, out, err = results[name]
        assert code == 0 and out is not None, f"{name}: exit {code}, stderr: {err[-2000:]}"
        return out

    names = {tool["name"] for tool in ok("tools/list")["tools"]}
    assert {"test_simple_text", "test_image_content", "test_error_handling"} <= names
    assert ok("text")["content"] == [
        {"type": "text", "text": "This is a simple text response for testing."}
    ]
    (image,) = ok("image")["content"]
    assert image["type"] == "image" and image["mimeType"] == "image/png" and image["data"]
    code, out, err = results["isError"]
    assert code == EXIT_TOOL_FAILED, err
    assert out["isError"] is True
    assert out["content"][0]["text"] == "This tool intentionally returns an error for testing"
    code, out, err = results["no such tool"]
    assert code == EXIT_TOOL_FAILED and "no_such_tool" in err, (code, out, err)
    (contents,) = ok("resources/read")["contents"]
    assert contents["uri"] == "test://static-text"
    assert contents["text"] == "This is the content of the static text resource."
    (message,) = ok("prompts/get")["messages"]
    assert message["role"] == "user"
    assert "arg1='first'" in message["content"]["text"]
    assert "arg2='second'" in message["content"]["text"]
    assert ok("logging/setLevel") == {}


def _drive(command: list[str], target: list[str], catalog: Path) -> None:
    with concurrent.futures.ThreadPoolExecutor(PARALLEL_CALLS) as pool:
        futures = {
            name: pool.submit(_run, command, target, request, catalog)
            for name, request in CALLS.items()
        }
        _check({name: future.result() for name, future in futures.items()})


@pytest.fixture(scope="module")
def command() -> list[str]:
    return inspector()


def test_inspector_over_stdio(command: list[str], tmp_path: Path) -> None:
    _drive(command, [sys.executable, str(EVERYTHING_SERVER)], tmp_path / "catalog.json")


@pytest.mark.parametrize("mode", [[], ["--stateless"]], ids=["stateful", "stateless"])
def test_inspector_over_http(command: list[str], tmp_path: Path, mode: list[str]) -> None:
    port = free_port()
    argv = [sys.executable, str(EVERYTHING_SERVER), "--http", f"127.0.0.1:{port}", *mode]
    with http_server(argv, port) as url:
        _drive(command, [url], tmp_path / "catalog.json")


def test_inspector_reads_the_entry_mcplite_config_prints(
    command: list[str], tmp_path: Path
) -> None:
    config = tmp_path / "mcp.json"
    pythonpath = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    printed = subprocess.run(
        [sys.executable, "-m", "mcplite", "config", str(ROOT / "examples" / "weather.py")],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_SECONDS,
        env={**os.environ, "PYTHONPATH": pythonpath},
        check=True,
    ).stdout
    config.write_text(printed)
    target = ["--config", str(config), "--server", "weather"]
    code, listed, err = _run(command, target, ["--method", "tools/list"], None)
    assert code == 0 and listed is not None, err[-2000:]
    assert sorted(tool["name"] for tool in listed["tools"]) == ["chart", "forecast"]
    call = ["--method", "tools/call", "--tool-name", "forecast"]
    call += ["--tool-arg", 'location={"latitude": 51.5, "longitude": -0.1}']
    code, called, err = _run(command, target, call, None)
    assert code == 0 and called is not None, err[-2000:]
    assert called["structuredContent"]["summary"] == "3 day(s), warmest 15.7 C"
