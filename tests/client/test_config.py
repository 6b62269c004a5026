"""``connect(config_or_path, server=NAME)``: one ``mcpServers`` entry started as written."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite._client.config import entry_options, load_config
from mcplite._core.mcpservers import DEFAULT_MAX_CONFIG_BYTES, parse_entry

ROOT = str(Path(__file__).resolve().parents[2])
SERVER = str(Path(__file__).resolve().parent / "config_server.py")


def _config(tmp_path: Path) -> dict[str, Any]:
    return {
        "mcpServers": {
            "here": {
                "command": sys.executable,
                "args": [SERVER],
                "env": {"PYTHONPATH": ROOT, "MCPLITE_CONFIG_TEST": "${SECRET:-fallback}"},
                "cwd": str(tmp_path),
            },
            "other": {"url": "http://127.0.0.1:9/mcp"},
        }
    }


async def _where(client: Any) -> str:
    result = await client.call_tool("where", {})
    return str(result.content[0].text)


async def test_a_stdio_entry_gets_its_command_env_and_cwd(tmp_path: Path) -> None:
    async with mcplite.connect(_config(tmp_path), server="here") as client:
        assert isinstance(client, mcplite.Client)
        assert await _where(client) == f"{tmp_path}|fallback"


async def test_a_configuration_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps(_config(tmp_path)))
    async with mcplite.connect(str(path), server="here") as client:
        assert await _where(client) == f"{tmp_path}|fallback"
    async with mcplite.connect(path, server="here") as client:  # a PathLike too
        assert await _where(client) == f"{tmp_path}|fallback"
    with pytest.raises(mcplite.ConfigError) as err:
        mcplite.connect(path, server="nope")
    assert "no server 'nope'" in str(err.value)
    assert "here (stdio: " in str(err.value) and "other (http: http://127.0.0.1:9/mcp)" in str(
        err.value
    )


async def test_an_http_entry_connects_to_its_url() -> None:
    server = mcplite.Server("remote")

    @server.tool()
    def ping_me() -> str:
        return "pong"

    async with mcplite.StreamableHTTPServer(server) as srv:
        config = {"mcpServers": {"remote": {"type": "http", "url": srv.url}}}
        async with mcplite.connect(config, server="remote") as client:
            result = await client.call_tool("ping_me", {})
            assert result.content[0].text == "pong"


async def test_an_sse_entry_speaks_the_legacy_transport() -> None:
    """ "type": "sse", or a url ending in /sse (as FastMCP infers it), dials HTTP+SSE."""
    server = mcplite.Server("legacy")

    @server.tool()
    def ping_me() -> str:
        return "pong"

    async with mcplite.StreamableHTTPServer(server) as srv:
        sse = srv.url.rsplit("/", 1)[0] + "/sse"
        config = {
            "mcpServers": {
                "typed": {"type": "sse", "url": sse, "headers": {"X-From": "config"}},
                "inferred": {"url": sse},
            }
        }
        for name in ("typed", "inferred"):
            async with mcplite.connect(config, server=name) as client:
                assert type(client.transport).__name__ == "LegacySSEClientTransport", name
                result = await client.call_tool("ping_me", {})
                assert result.content[0].text == "pong"


def test_entry_options_carry_headers_and_the_transport() -> None:
    entry = parse_entry("r", {"type": "sse", "url": "http://h/sse", "headers": {"A": "b"}})
    assert entry_options(entry) == ("http://h/sse", {"headers": {"A": "b"}, "transport": "sse"})
    stdio = parse_entry("s", {"command": "x", "args": ["y"], "env": {"K": "v"}})
    target, options = entry_options(stdio)
    assert target == ["x", "y"] and options["env"]["K"] == "v" and options["cwd"] is None
    assert options["env"].get("PATH") == os.environ.get("PATH")  # merged over ours


def test_bad_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(mcplite.ConfigError, match=r"cannot read .*missing\.json"):
        mcplite.connect(str(missing), server="x")
    bad = tmp_path / "bad.json"
    bad.write_text('{"mcpServers": {')
    with pytest.raises(mcplite.ConfigError, match=r"bad\.json is not valid JSON"):
        mcplite.connect(str(bad), server="x")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (DEFAULT_MAX_CONFIG_BYTES + 1))
    with pytest.raises(mcplite.ConfigError, match="over 1048576 bytes"):
        load_config(big)
    listy = tmp_path / "list.json"
    listy.write_text("[]")
    with pytest.raises(ValueError, match='expected a JSON object with "mcpServers"'):
        mcplite.connect(str(listy), server="x")
    with pytest.raises(mcplite.ConfigError, match='type "stdio" needs "command"'):
        mcplite.connect({"mcpServers": {"x": {"type": "stdio"}}}, server="x")


async def test_a_jsonc_configuration_file(tmp_path: Path) -> None:
    # VS Code's mcp.json: "servers", comments and trailing commas.
    body = json.dumps({"servers": _config(tmp_path)["mcpServers"]}, indent=2)
    text = "// workspace servers\n" + body[:-1].rstrip() + ",\n}\n"
    path = tmp_path / "mcp.json"
    path.write_text(text)
    async with mcplite.connect(str(path), server="here") as client:
        assert await _where(client) == f"{tmp_path}|fallback"
