"""``--config FILE --server NAME`` on every client command (real subprocesses)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcplite._cli import main as _cli
from mcplite._cli.config_args import CONFIG_COMMANDS

ROOT = str(Path(__file__).resolve().parents[2])
SERVER = str(Path(__file__).resolve().parents[1] / "client" / "config_server.py")
TIMEOUT_SECONDS = 30


def _write(tmp_path: Path) -> Path:
    path = tmp_path / ".mcp.json"
    entry = {
        "command": sys.executable,
        "args": [SERVER],
        "env": {"PYTHONPATH": ROOT, "MCPLITE_CONFIG_TEST": "from-config"},
        "cwd": str(tmp_path),
    }
    path.write_text(json.dumps({"mcpServers": {"here": entry, "far": {"url": "http://h/mcp"}}}))
    return path


def _mcplite(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcplite", *argv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        cwd=ROOT,
    )


def test_list_and_call_take_a_configuration_entry(tmp_path: Path) -> None:
    config = str(_write(tmp_path))
    listed = _mcplite("list", "--config", config, "--server", "here")
    assert listed.returncode == 0, listed.stderr
    assert "where" in listed.stdout
    called = _mcplite("call", "--config", config, "--server", "here", "where")
    assert called.returncode == 0, called.stderr
    assert called.stdout.strip() == f"{tmp_path}|from-config"


def test_every_client_command_has_the_options() -> None:
    parser = _cli._parser()
    sub: Any = next(a for a in parser._actions if a.dest == "cmd")
    for name in CONFIG_COMMANDS:
        options = {o for a in sub.choices[name]._actions for o in a.option_strings}
        assert {"--config", "--server"} <= options, name


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--server", "here"], "--server needs --config FILE"),
        (
            ["--config", "{cfg}", "--server", "nope"],
            "no server 'nope' in the configuration; it has 2 servers: here \\(stdio: ",
        ),
        (["--config", "{cfg}"], "has 2 servers: .*; name one"),
        (["--config", "{cfg}", "--server", "here", "http://h/mcp"], "give no TARGET"),
        (["--config", "{missing}", "--server", "here"], "cannot read"),
    ],
)
def test_usage_errors_name_what_the_file_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    config = str(_write(tmp_path))
    argv = [a.format(cfg=config, missing=str(tmp_path / "none.json")) for a in argv]
    assert _cli.main(["list", *argv]) == _cli.EXIT_USAGE
    assert re.search(message, capsys.readouterr().err)
