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


def test_vscode_writes_servers_with_a_type(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "workspace"
    project.mkdir()
    monkeypatch.chdir(project)
    assert _cli.main(["install", "vscode", SERVER]) == _cli.EXIT_OK
    data = json.loads((project / ".vscode" / "mcp.json").read_text())
    assert list(data) == ["servers"]  # VS Code's key, not mcpServers
    entry = data["servers"]["server"]
    assert entry["type"] == "stdio" and entry["command"] == sys.executable
    assert entry["args"] == ["-m", "mcplite", "run", SERVER]
    http = ["install", "vscode", SERVER, "--name", "remote", "--http", "http://127.0.0.1:8/mcp"]
    assert _cli.main(http) == _cli.EXIT_OK
    data = json.loads((project / ".vscode" / "mcp.json").read_text())
    assert data["servers"]["remote"] == {"type": "http", "url": "http://127.0.0.1:8/mcp"}
    capsys.readouterr()


JSONC = """{
    // Servers for this workspace.
    "servers": {
        "other": {"type": "http", "url": "http://h/mcp"}, // the team's
    },
    /* prompts for secrets */
    "inputs": [],
}
"""


def test_a_jsonc_file_keeps_its_comments_and_layout(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcplite._core import jsonc

    path = home / "mcp.json"
    path.write_text(JSONC)
    assert _cli.main(["install", "vscode", SERVER, "--file", str(path)]) == _cli.EXIT_OK
    assert "its comments and layout kept" in capsys.readouterr().out
    text = path.read_text()
    # Everything that was there is still there, byte for byte, before the new entry.
    head = '        "other": {"type": "http", "url": "http://h/mcp"}, // the team\'s\n'
    assert text.startswith(JSONC[: JSONC.index(head) + len(head)])
    assert text.endswith('    },\n    /* prompts for secrets */\n    "inputs": [],\n}\n')
    assert '        "server": {\n            "type": "stdio",\n' in text  # its 4-space step
    data = jsonc.loads(text)
    assert data["inputs"] == [] and data["servers"]["other"]["url"] == "http://h/mcp"
    assert data["servers"]["server"]["args"][-1] == SERVER
    assert (home / "mcp.json.bak").read_text() == JSONC
    # Replacing an entry in place (--force) also keeps the rest.
    args = ["install", "vscode", SERVER, "--file", str(path), "--name", "other", "--force"]
    assert _cli.main(args) == _cli.EXIT_OK
    replaced = path.read_text()
    assert "// the team's" in replaced and "/* prompts for secrets */" in replaced
    assert jsonc.loads(replaced)["servers"]["other"]["type"] == "stdio"
    capsys.readouterr()


@pytest.mark.parametrize(
    "text",
    [
        '// a comment\n{"mcpServers": {"a": {"command": "x"},},}',
        '{"mcpServers": {} /* empty */}',
        '{"x": 1 // no table yet\n}',
        '{"mcpServers": {"a": {"url": "http://h/mcp"} // last\n}}',
    ],
)
def test_jsonc_shapes_merge_into_valid_jsonc(
    home: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    from mcplite._core import jsonc

    path = home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(text)
    assert _cli.main(["install", "cursor", SERVER]) == _cli.EXIT_OK
    after = path.read_text()
    assert jsonc.loads(after)["mcpServers"]["server"]["command"] == sys.executable
    for comment in ("// a comment", "/* empty */", "// no table yet", "// last"):
        assert (comment in text) == (comment in after)
    capsys.readouterr()


def test_jsonc_blank_keeps_strings_and_offsets() -> None:
    from mcplite._core import jsonc

    text = '{"u": "http://x//y", "c": "/* no */", "e": "q\\"//", /* c */ "l": [1,2,],}'
    blanked = jsonc.blank(text)
    assert len(blanked) == len(text)
    assert jsonc.loads(text) == {"u": "http://x//y", "c": "/* no */", "e": 'q"//', "l": [1, 2]}
    assert not jsonc.has_extras('{"a": "//"}') and jsonc.has_extras('{"a": 1,}')
