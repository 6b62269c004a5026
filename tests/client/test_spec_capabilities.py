"""The client declares, per revision, only what that revision defines, and honours what it
declared (issue 14 item 1); sub-capabilities and elicitation modes (item 2)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import mcplite
from mcplite import LocalProtocolError, memory_pair, types as t


async def _accept(elicit: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={"name": "ada"})


class FakeServer:
    """A scripted server on the far end of a memory pair: reads what the client sends."""

    def __init__(self, answer_version: str | None = None) -> None:
        self.client_end, self.end = memory_pair()
        self.answer_version = answer_version
        self.initialize: dict[str, Any] = {}

    async def recv(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(await asyncio.wait_for(self.end.receive(), 5))
        return out

    async def send(self, msg: dict[str, Any]) -> None:
        await self.end.send(json.dumps(msg).encode())

    async def handshake(self) -> None:
        msg = await self.recv()
        if msg["method"] == "server/discover":
            await self.send(
                {
                    "jsonrpc": "2.0",
                    "id": msg["id"],
                    "error": {"code": -32601, "message": "Method not found"},
                }
            )
            msg = await self.recv()
        assert msg["method"] == "initialize"
        self.initialize = msg["params"]
        version = self.answer_version or msg["params"]["protocolVersion"]
        await self.send(
            {
                "jsonrpc": "2.0",
                "id": msg["id"],
                "result": {
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "fake", "version": "1"},
                },
            }
        )
        assert (await self.recv())["method"] == "notifications/initialized"


async def _run(fake: FakeServer, **options: Any) -> mcplite.Client:
    client = mcplite.Client(fake.client_end, **options)
    await asyncio.gather(client.start(), fake.handshake())
    return client


@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26"])
async def test_no_elicitation_declared_where_the_revision_has_none(version: str) -> None:
    fake = FakeServer()
    client = await _run(
        fake,
        protocol_version=version,
        elicitation=_accept,
        sampling_tools=True,
        sampling=lambda p: None,
        roots=[],
    )
    try:
        assert fake.initialize["capabilities"] == {"roots": {"listChanged": True}, "sampling": {}}
    finally:
        await client.aclose()


async def test_2025_06_18_declares_plain_elicitation() -> None:
    fake = FakeServer()
    client = await _run(fake, protocol_version="2025-06-18", elicitation=_accept)
    try:
        assert fake.initialize["capabilities"] == {"elicitation": {}}
    finally:
        await client.aclose()


async def test_a_declared_capability_is_honoured_when_the_server_picks_an_older_revision() -> None:
    # We asked for 2025-11-25 and declared elicitation; the server answered 2025-03-26 and
    # (as the official Python SDK does) trusts what we declared.
    fake = FakeServer(answer_version="2025-03-26")
    client = await _run(fake, protocol_version="2025-11-25", elicitation=_accept)
    try:
        assert client.protocol_version == "2025-03-26"
        await fake.send(
            {
                "jsonrpc": "2.0",
                "id": 99,
                "method": "elicitation/create",
                "params": {
                    "message": "Name?",
                    "requestedSchema": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                    },
                },
            }
        )
        answer = await fake.recv()
        assert answer == {
            "jsonrpc": "2.0",
            "id": 99,
            "result": {"action": "accept", "content": {"name": "ada"}},
        }
        # A capability we did not declare is still refused.
        await fake.send({"jsonrpc": "2.0", "id": 100, "method": "roots/list"})
        assert (await fake.recv())["error"]["code"] == -32601
    finally:
        await client.aclose()


async def test_an_undeclared_elicitation_mode_is_refused_with_invalid_params() -> None:
    fake = FakeServer()
    client = await _run(fake, protocol_version="2025-11-25", elicitation=_accept)
    try:
        assert fake.initialize["capabilities"] == {"elicitation": {"form": {}}}
        await fake.send(
            {
                "jsonrpc": "2.0",
                "id": 5,
                "method": "elicitation/create",
                "params": {
                    "mode": "url",
                    "message": "Go",
                    "url": "https://example.com/x",
                    "elicitationId": "e1",
                },
            }
        )
        err = (await fake.recv())["error"]
        assert err["code"] == -32602
        assert "elicitation.url" in err["message"] and "2025-11-25" in err["message"]
    finally:
        await client.aclose()


async def test_sampling_context_and_tools_can_be_declared() -> None:
    fake = FakeServer()

    async def sample(p: t.CreateMessageParams) -> t.CreateMessageResult:
        return t.CreateMessageResult(role="assistant", content=t.TextContent(text="hi"), model="m")

    client = await _run(
        fake,
        protocol_version="2025-11-25",
        sampling=sample,
        sampling_tools=True,
        sampling_context=True,
    )
    try:
        assert fake.initialize["capabilities"] == {"sampling": {"context": {}, "tools": {}}}
    finally:
        await client.aclose()


async def test_roots_list_changed_is_not_sent_in_2026() -> None:
    server = mcplite.Server("s")
    server.enable("tools")
    async with mcplite.connect(server, roots=[t.Root(uri="file:///a")]) as client:
        assert client.stateless
        with pytest.raises(LocalProtocolError, match="2026-07-28"):
            await client.notify_roots_list_changed()
        await client.set_roots([t.Root(uri="file:///b")])  # updates, sends nothing
