"""The ``mcpServers`` configuration format: every host's spelling read, bad entries named."""

from __future__ import annotations

from typing import Any

import pytest

from mcplite._core.mcpservers import ConfigError, parse_config, parse_entry, select


def test_hosts_spellings_of_one_format() -> None:
    config = {
        "mcpServers": {
            # Claude Desktop: command, args, env.
            "desktop": {"command": "python", "args": ["s.py"], "env": {"K": "v"}},
            # Claude Code .mcp.json: an explicit type, and a cwd.
            "code": {"type": "stdio", "command": "uv", "args": ["run", "s.py"], "cwd": "/srv"},
            "remote": {"type": "http", "url": "https://x.example/mcp", "headers": {"A": "b"}},
            # Cursor: a bare url is streamable HTTP.
            "cursor": {"url": "http://127.0.0.1:8000/mcp"},
            # FastMCP: "transport"; and a /sse path without a type is the legacy transport.
            "fast": {"transport": "streamable-http", "url": "http://h/mcp"},
            "legacy": {"url": "http://h/sse"},
            "typed-sse": {"type": "sse", "url": "http://h/events"},
            "cline": {"type": "streamableHttp", "url": "http://h/mcp", "disabled": False},
        }
    }
    got = parse_config(config)
    assert got["desktop"].argv == ["python", "s.py"] and got["desktop"].env == {"K": "v"}
    assert got["desktop"].type == "stdio"
    assert got["code"].cwd == "/srv" and got["code"].argv == ["uv", "run", "s.py"]
    assert (got["remote"].type, got["remote"].headers) == ("http", {"A": "b"})
    assert got["cursor"].type == "http"
    assert got["fast"].type == "http"
    assert got["legacy"].type == "sse" and got["typed-sse"].type == "sse"
    assert got["cline"].type == "http" and got["cline"].extra == {"disabled": False}
    # VS Code's .vscode/mcp.json keeps the same entries under "servers".
    vscode = parse_config({"servers": {"v": {"type": "stdio", "command": "node"}}, "inputs": []})
    assert vscode["v"].argv == ["node"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"args": ["x"]}, "expected a command .*its keys are 'args'"),
        (
            {"type": "stdio", "url": "http://h"},
            "type \"stdio\" needs \"command\"; its keys are 'type', 'url'",
        ),
        (
            {"type": "http", "command": "x"},
            """type "http" needs "url"; its keys are 'type', 'command'""",
        ),
        ({"type": "sse"}, """type "sse" needs "url"; its keys are 'type'$"""),
        (
            {"type": "websocket", "url": "ws://h"},
            "unknown type 'websocket' .*stdio, http.*; its keys are 'type', 'url'",
        ),
        ({"command": "a", "url": "http://h"}, 'both command and url; say which with "type"'),
        ({"command": "a", "args": "b"}, "args must be a list of strings, got 'b'"),
        ({"command": "a", "args": [1]}, "args must be a list of strings"),
        ({"command": "a", "env": {"PORT": 8000}}, r"env\['PORT'\] must be a string, got 8000"),
        ({"command": ""}, "command must be a string"),
        ({"url": 3}, "url must be a string"),
        ({"url": "ftp://h"}, "url must be http:// or https://"),
        ({"url": "http://h", "headers": ["a"]}, "headers must be an object of strings"),
        ("python s.py", "expected an object, got 'python s.py'"),
    ],
)
def test_bad_entries_are_named(entry: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_entry("weather", entry)
    assert "'weather'" in str(err.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([], "expected a JSON object"),
        ({"servers_": {}}, "its keys are 'servers_'"),
        ({"mcpServers": []}, "must be an object of NAME: ENTRY"),
        ({"mcpServers": {}}, "at least one server"),
    ],
)
def test_bad_configurations(config: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(config)


def test_an_unknown_server_name_lists_what_the_file_has() -> None:
    config = {
        "mcpServers": {
            "weather": {"command": "python", "args": ["weather.py"]},
            "docs": {"url": "https://docs.example/mcp"},
            "broken": {"args": []},
        }
    }
    with pytest.raises(ConfigError) as err:
        select(config, "wether")
    assert str(err.value) == (
        "no server 'wether' in the configuration; it has 3 servers: "
        "weather (stdio: python weather.py), docs (http: https://docs.example/mcp), "
        "broken (invalid)"
    )
    with pytest.raises(ConfigError, match=r"has 3 servers: weather .*; name one"):
        select(config, None)
    only = {"mcpServers": {"one": {"command": "x"}}}
    assert select(only, None).name == "one"


def test_variables_are_expanded_from_the_given_environment() -> None:
    entry = {
        "command": "${PY}",
        "args": ["${DIR:-/opt}/s.py", "--key=${env:KEY}"],
        "env": {"TOKEN": "${KEY}"},
        "cwd": "${DIR:-/srv}",
    }
    got = parse_entry("w", entry, {"PY": "python3", "KEY": "k1"})
    assert got.argv == ["python3", "/opt/s.py", "--key=k1"]
    assert got.env == {"TOKEN": "k1"} and got.cwd == "/srv"
    remote = parse_entry(
        "r",
        {"url": "${BASE}/mcp", "headers": {"A": "Bearer ${T}"}},
        {"BASE": "https://h", "T": "t"},
    )
    assert (remote.url, remote.headers) == ("https://h/mcp", {"A": "Bearer t"})
    with pytest.raises(ConfigError, match=r"'w': args uses \$\{MISSING\}, which is not set"):
        parse_entry("w", {"command": "x", "args": ["${MISSING}"]}, {})
    # Without an environment the text is taken as it is.
    assert parse_entry("w", {"command": "${PY}"}).command == "${PY}"
