"""``mcplite install HOST server.py``: merged into the host's file under a temporary HOME."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mcplite._cli import main as _cli

ROOT = Path(__file__).resolve().parents[2]
SERVER = str(ROOT / "examples" / "server.py")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))
    return home


def _desktop_path(home: Path) -> Path:
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return home / "AppData" / "Roaming" / "Claude" / "claude_desktop_config.json"
    return home / ".config" / "Claude" / "claude_desktop_config.json"


def test_cursor_merge_keeps_other_entries_and_backs_up(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    before = {"mcpServers": {"other": {"url": "http://h/mcp"}}, "theme": "dark"}
    path.write_text(json.dumps(before))
    assert _cli.main(["install", "cursor", SERVER]) == _cli.EXIT_OK
    assert f"added 'server' to {path}" in capsys.readouterr().out
    after = json.loads(path.read_text())
    assert after["theme"] == "dark" and after["mcpServers"]["other"] == {"url": "http://h/mcp"}
    entry = after["mcpServers"]["server"]
    assert entry["command"] == sys.executable and entry["args"][-1] == SERVER
    assert json.loads((path.parent / "mcp.json.bak").read_text()) == before
    # The same entry again changes nothing; a different one under that name needs --force.
    assert _cli.main(["install", "cursor", SERVER]) == _cli.EXIT_OK
    assert "already has 'server'" in capsys.readouterr().out
    http = ["install", "cursor", SERVER, "--http", "http://127.0.0.1:8000/mcp"]
    assert _cli.main(http) == _cli.EXIT_USAGE
    assert "already has a server 'server'; --force" in capsys.readouterr().err
    assert _cli.main([*http, "--force"]) == _cli.EXIT_OK
    assert json.loads(path.read_text())["mcpServers"]["server"]["type"] == "http"


def test_claude_desktop_created_at_its_per_os_path(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli.main(["install", "claude-desktop", SERVER, "--name", "notes"]) == _cli.EXIT_OK
    path = _desktop_path(home)
    assert list(json.loads(path.read_text())["mcpServers"]) == ["notes"]
    assert not Path(str(path) + ".bak").exists()  # nothing to back up
    capsys.readouterr()


def test_claude_code_writes_the_project_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    assert _cli.main(["install", "claude-code", SERVER]) == _cli.EXIT_OK
    assert "server" in json.loads((project / ".mcp.json").read_text())["mcpServers"]


def test_dry_run_prints_the_diff_and_writes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": {}}')
    assert _cli.main(["install", "cursor", SERVER, "--dry-run"]) == _cli.EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"--- {path}\n+++ {path} (new)\n")
    assert '+    "server": {' in out
    assert path.read_text() == '{"mcpServers": {}}'
    assert not (path.parent / "mcp.json.bak").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"mcpServers": {', "is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        ('{"mcpServers": []}', '"mcpServers" is not an object'),
    ],
)
def test_a_file_that_is_not_a_configuration_is_left_untouched(
    home: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(text)
    assert _cli.main(["install", "cursor", SERVER]) == _cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "left untouched" in err
    assert path.read_text() == text
    assert sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]
