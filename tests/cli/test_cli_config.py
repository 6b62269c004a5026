"""``--config FILE --server NAME`` on every client command (real subprocesses)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import mcplite
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


async def test_the_printed_entry_starts_the_server_as_a_host_would(tmp_path: Path) -> None:
    """A host starts the entry from its own directory with a bare environment."""
    printed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mcplite", "config", str(Path(ROOT) / "examples" / "server.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        cwd=tmp_path,
    )
    assert printed.returncode == 0, printed.stderr
    config = json.loads(printed.stdout)
    entry = config["mcpServers"]["server"]
    assert entry["command"] == sys.executable and os.path.isabs(entry["args"][-1])
    assert entry["cwd"] == str(Path(ROOT) / "examples")
    bare = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "SYSTEMROOT")}
    async with mcplite.connect(
        [entry["command"], *entry["args"]], env=bare, cwd=str(tmp_path)
    ) as client:
        assert "add" in {tool.name for tool in await client.list_all_tools()}
    path = tmp_path / "host.json"
    path.write_text(printed.stdout)
    async with mcplite.connect(path, server="server") as client:
        assert (await client.call_tool("add", {"a": 2, "b": 3})).content[0].text == "5"


def test_config_names_and_http_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.main(["config", "examples/server.py", "--name", "calc"]) == _cli.EXIT_OK
    assert list(json.loads(capsys.readouterr().out)["mcpServers"]) == ["calc"]
    url = "http://127.0.0.1:8000/mcp"
    assert _cli.main(["config", "examples/server.py", "--http", url]) == _cli.EXIT_OK
    assert json.loads(capsys.readouterr().out) == {
        "mcpServers": {"server": {"type": "http", "url": url}}
    }
    assert _cli.main(["config", "no/such.py"]) == _cli.EXIT_USAGE
    assert "no such file: no/such.py" in capsys.readouterr().err
    assert _cli.main(["config", "examples/server.py", "--http", "ftp://x"]) == _cli.EXIT_USAGE
    assert "expects an http:// or https:// URL" in capsys.readouterr().err


def test_bench_takes_an_entry_with_cwd_and_env(tmp_path: Path) -> None:
    """bench honours the entry's cwd (every entry `mcplite config` prints has one; here the
    script is named relative to it) and env; --html stays relative to where bench started."""
    config = tmp_path / "mcp.json"
    entry = {
        "command": sys.executable,
        "args": [Path(SERVER).name],
        "env": {"PYTHONPATH": ROOT},
        "cwd": str(Path(SERVER).parent),
    }
    config.write_text(json.dumps({"mcpServers": {"here": entry}}))
    proc = subprocess.run(
        [
            *[sys.executable, "-m", "mcplite", "bench", "--config", str(config)],
            *["--server", "here", "--tool", "where", "--calls", "3", "--warmup", "0"],
            *["--no-ceiling", "--json", "--html", "report.html"],
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS * 2,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["calls"] == 3 and not result["errors"], result
    assert (tmp_path / "report.html").is_file()


def test_bench_and_dev_refuse_an_entry_cwd_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gone.json"
    entry = {"command": sys.executable, "args": [SERVER], "cwd": str(tmp_path / "missing")}
    path.write_text(json.dumps({"mcpServers": {"gone": entry}}))
    argv = ["--config", str(path), "--server", "gone"]
    assert _cli.main(["bench", *argv, "--tool", "where"]) == _cli.EXIT_USAGE
    assert "has cwd" in capsys.readouterr().err and os.getcwd() != str(tmp_path / "missing")
