"""``connect({"mcpServers": {...}})``: one entry, or a group client over all of them."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite import RPCError

ROOT = str(Path(__file__).resolve().parents[2])
BACKEND = str(Path(__file__).resolve().parents[1] / "gateway" / "backend.py")
ENV = {"PYTHONPATH": ROOT}


def _entry(*extra: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": [BACKEND, *extra], "env": ENV}


def _config() -> dict[str, Any]:
    return {
        "mcpServers": {
            "weather": _entry("--name", "weather"),
            "notes": _entry("--name", "notes"),
            "broken": {"command": os.path.join(ROOT, "no-such-server")},
        }
    }


async def test_a_group_namespaces_listings_and_routes_calls() -> None:
    async with mcplite.connect(_config()) as group:
        assert isinstance(group, mcplite.GroupClient)
        assert set(group.errors) == {"broken"}
        assert "no-such-server" in str(group.errors["broken"])
        tools = {tool.name for tool in await group.list_tools()}
        assert {"weather_add", "notes_add", "weather_echo"} <= tools
        assert not any(name.startswith("broken") for name in tools)
        result = await group.call_tool("notes_echo", {"text": "routed"})
        assert result.content[0].text == "routed"  # type: ignore[union-attr]
        resources = [r.uri for r in await group.list_resources()]
        assert sorted(resources) == ["notes+file:///readme.txt", "weather+file:///readme.txt"]
        templates = {r.uri_template for r in await group.list_resource_templates()}
        assert templates == {"notes+notes://{name}", "weather+notes://{name}"}
        read = await group.read_resource("weather+notes://x")
        assert read.contents[0].uri == "weather+notes://x"
        prompts = {p.name for p in await group.list_prompts()}
        assert prompts == {"weather_greet", "notes_greet"}
        got = await group.get_prompt("notes_greet", {"name": "Bo"})
        assert got.messages[0].content.text == "Hello Bo"  # type: ignore[union-attr]
        with pytest.raises(RPCError, match="names no server of the group"):
            await group.call_tool("broken_add", {})


async def test_one_entry_by_name_is_a_plain_client() -> None:
    async with mcplite.connect(_config(), server="notes") as client:
        assert isinstance(client, mcplite.Client)
        assert client.server_info is not None and client.server_info.name == "notes"


async def test_names_two_entries_produce_twice_are_refused_naming_both() -> None:
    config = {
        "mcpServers": {
            "a": _entry("--extra-tool", "b_c"),
            "a_b": _entry("--extra-tool", "c"),
        }
    }
    with pytest.raises(ValueError) as err:
        async with mcplite.connect(config):
            pass
    message = str(err.value)
    assert "'a_b_c'" in message and "'a'" in message and "'a_b'" in message


async def test_a_group_with_nothing_reachable_is_a_connect_error() -> None:
    config = {"mcpServers": {"gone": {"command": os.path.join(ROOT, "no-such-server")}}}
    with pytest.raises(mcplite.ConnectError, match="no server of the group"):
        async with mcplite.connect(config):
            pass


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"mcpServers": {}}, "at least one server"),
        ({"mcpServers": {"x": {"args": []}}}, "expected a command"),
        ({"mcpServers": {"x": {"command": "a", "args": "b"}}}, "args must be a list"),
        ({"mcpServers": {"x": {"url": 3}}}, "url must be a string"),
    ],
)
def test_bad_configurations(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mcplite.connect(config)
    with pytest.raises(ValueError, match="no server 'y'"):
        mcplite.connect({"mcpServers": {"x": {"command": "a"}}}, server="y")
