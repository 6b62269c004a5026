"""mcplite against FastMCP (PyPI `fastmcp`, pinned in setup.cfg's `interop` extra), and the
FastMCP weather server ported to mcplite (examples/weather.py, issue 17).

FastMCP's client drives mcplite's port over stdio (started from the entry `mcplite config`
prints, read by FastMCP's config client) and over streamable HTTP; mcplite's client drives
FastMCP's original (peers/fastmcp_weather.py) over stdio and HTTP with the checks the port
passes too (tests/test_examples.py). The port differs from the original only in the
documented renames.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._peers import PEERS, ROOT, free_port, http_server, run_peer
from ._weather import check_weather

FASTMCP = "fastmcp==4.2.3"  # keep in step with setup.cfg's `interop` extra
ORIGINAL = PEERS / "fastmcp_weather.py"
PORT = ROOT / "examples" / "weather.py"
FASTMCP_CLIENT = str(PEERS / "fastmcp_client.py")
ENV = {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
# FastMCP's own HTTP runner, on the original unchanged (its __main__ block serves stdio).
SERVE_FASTMCP_HTTP = (
    "import runpy, sys; runpy.run_path(sys.argv[1])['mcp'].run("
    "transport='http', host='127.0.0.1', port=int(sys.argv[2]), show_banner=False)"
)

# Every line the port changes, as docs/migrating.md lists them (the module docstring aside).
ALLOWED_CHANGES = [
    r"from fastmcp import Context, FastMCP",
    r"from fastmcp\.utilities\.types import Image",
    r"from mcplite import Context, Image, Server",
    r"mcp = FastMCP\(",
    r"mcp = Server\(",
    r"ctx\.request_context\.lifespan_context",
    r"= ctx\.lifespan$",
    r"await ctx\.info\(f?\"",
    r"await ctx\.log\(\"info\", ",
    r"await ctx\.report_progress\(",
    r"await ctx\.progress\(",
    r"^$",
]


def require_fastmcp() -> None:
    if importlib.util.find_spec("fastmcp") is None:
        pytest.skip(
            f"FastMCP is not installed ({FASTMCP}): pip install -e '.[interop]' (.ci/run does)"
        )


def _body(path: Path) -> list[str]:
    text = path.read_text()
    return text[text.index('"""', 3) + 3 :].splitlines()  # without the module docstring


def test_the_port_changes_only_the_documented_lines() -> None:
    changed = [
        line[2:]
        for line in difflib.ndiff(_body(ORIGINAL), _body(PORT))
        if line.startswith(("- ", "+ "))
    ]
    assert changed, "the port is identical to the original?"
    stray = [ln for ln in changed if not any(re.search(p, ln.strip()) for p in ALLOWED_CHANGES)]
    assert not stray, f"lines changed beyond the documented renames: {stray}"
    assert len(changed) <= 16


async def test_mcplite_client_to_fastmcp_stdio() -> None:
    require_fastmcp()
    await check_weather([sys.executable, str(ORIGINAL)], stderr="devnull")


async def test_mcplite_client_to_fastmcp_http() -> None:
    require_fastmcp()
    port = free_port()
    with http_server(
        [sys.executable, "-c", SERVE_FASTMCP_HTTP, str(ORIGINAL), str(port)], port
    ) as url:
        await check_weather(url)


def _check_report(report: dict[str, Any]) -> None:
    assert report["tools"] == ["chart", "forecast"]
    assert report["latitude_schema"] == {
        "description": "Degrees north",
        "maximum": 90,
        "minimum": -90,
        "type": "number",
    }
    assert report["required"] == ["location"]
    assert report["forecast"]["summary"] == "3 day(s), warmest 15.7 C"
    assert report["forecast"]["location"] == {"latitude": 51.5, "longitude": -0.1, "name": "London"}
    assert report["data_summary"] == "3 day(s), warmest 15.7 C"  # typed from our outputSchema
    assert report["second_requests"] == report["forecast"]["api_requests"] + 1
    assert report["progress"] == [3.0]
    assert report["chart"] == ["image", "image/png"] and report["chart_png"] is True
    assert report["invalid"] == (
        "Invalid arguments: Input should be less than or equal to 90 (got 100)"
        " - at `$.location.latitude`"
    )
    assert report["cities"]["london"] == {"latitude": 51.5, "longitude": -0.1}
    assert report["prompt"].startswith("Use the forecast tool for Quito over 2 days")


def test_fastmcp_config_client_starts_the_entry_mcplite_config_prints() -> None:
    require_fastmcp()
    printed = subprocess.run(
        [sys.executable, "-m", "mcplite", "config", str(PORT)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **ENV},
        check=True,
    ).stdout
    entry = json.loads(printed)["mcpServers"]["weather"]
    assert entry["command"] == sys.executable and entry["args"][-1] == str(PORT)
    _check_report(json.loads(run_peer([sys.executable, FASTMCP_CLIENT, printed], env=ENV)))


def test_fastmcp_client_to_the_port_http() -> None:
    require_fastmcp()
    port = free_port()
    argv = [sys.executable, "-m", "mcplite", "run", str(PORT), "--http", f"127.0.0.1:{port}"]
    with http_server(argv, port, env=ENV) as url:
        _check_report(json.loads(run_peer([sys.executable, FASTMCP_CLIENT, url], env=ENV)))
