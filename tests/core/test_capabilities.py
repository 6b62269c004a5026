"""Capabilities by revision (_core/capabilities) and notifications by revision (Protocol)."""

from __future__ import annotations

import msgspec
import pytest
from msgspec import UNSET

from mcplite import LocalProtocolError, types as t
from mcplite._core.capabilities import elicitation_modes, for_client, for_server, missing_message
from mcplite._core.events import (
    CancelRequested,
    MessageDropped,
    NotificationReceived,
    RequestReceived,
)
from mcplite._core.protocol import CLIENT_ROLE, SERVER_ROLE, Protocol

FULL_CLIENT = t.ClientCapabilities(
    roots=t.RootsCapability(list_changed=True),
    sampling=t.SamplingCapability(tools={}, context={}),
    elicitation=t.ElicitationCapability(form={}, url={}),
    tasks=t.TasksCapability(),
    extensions={"x/y": {}},
)


def wire(caps: msgspec.Struct) -> dict[str, object]:
    out: dict[str, object] = msgspec.to_builtins(caps)
    return out


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2024-11-05", {"roots": {"listChanged": True}, "sampling": {}}),
        ("2025-03-26", {"roots": {"listChanged": True}, "sampling": {}}),
        ("2025-06-18", {"roots": {"listChanged": True}, "sampling": {}, "elicitation": {}}),
        (
            "2025-11-25",
            {
                "roots": {"listChanged": True},
                "sampling": {"context": {}, "tools": {}},
                "elicitation": {"form": {}, "url": {}},
                "tasks": {},
            },
        ),
        (
            "2026-07-28",
            {
                "roots": {},
                "sampling": {"context": {}, "tools": {}},
                "elicitation": {"form": {}, "url": {}},
                "extensions": {"x/y": {}},
            },
        ),
    ],
)
def test_client_capabilities_follow_each_revisions_schema(
    version: str, expected: dict[str, object]
) -> None:
    assert wire(for_client(FULL_CLIENT, version)) == expected


def test_url_only_elicitation_is_no_elicitation_before_2025_11_25() -> None:
    caps = t.ClientCapabilities(elicitation=t.ElicitationCapability(url={}))
    assert for_client(caps, "2025-06-18").elicitation is UNSET
    assert elicitation_modes(caps, "2025-11-25") == {"url"}
    # An empty object means form mode only (2025-11-25 client/elicitation.mdx).
    empty = t.ClientCapabilities(elicitation=t.ElicitationCapability())
    assert elicitation_modes(empty, "2025-11-25") == {"form"}
    assert elicitation_modes(t.ClientCapabilities(), "2025-11-25") == frozenset()


def test_server_capabilities_follow_each_revisions_schema() -> None:
    caps = t.ServerCapabilities(
        completions={}, logging={}, tools=t.ToolsCapability(), tasks=t.TasksCapability()
    )
    assert set(wire(for_server(caps, "2024-11-05"))) == {"logging", "tools"}
    assert set(wire(for_server(caps, "2025-03-26"))) == {"completions", "logging", "tools"}
    assert set(wire(for_server(caps, "2025-11-25"))) == {
        "completions",
        "logging",
        "tools",
        "tasks",
    }
    assert set(wire(for_server(caps, "2026-07-28"))) == {"completions", "logging", "tools"}
    plain = t.ServerCapabilities(tools=t.ToolsCapability())
    assert for_server(plain, "2024-11-05") is plain  # nothing to drop: no copy


def test_missing_message_names_capability_and_revision() -> None:
    assert (
        missing_message(("elicitation", "url"), "2025-11-25")
        == "the client did not declare elicitation.url (2025-11-25 client/elicitation)"
    )


def _server() -> Protocol:
    from mcplite import Server

    server = Server("s")
    server.enable("tools")
    return Protocol(SERVER_ROLE, identity=server)


def _init(proto: Protocol, version: str) -> None:
    msg = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "c", "version": "1"},
        },
    }
    proto.receive(msgspec.json.encode(msg))
    proto.receive(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')


def _stateless_request(proto: Protocol) -> None:
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    msg = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {"_meta": meta}}
    events = proto.receive(msgspec.json.encode(msg))
    assert any(isinstance(e, RequestReceived) for e in events)


ROOTS_CHANGED = b'{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}'
CLIENT_PROGRESS = (
    b'{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}'
)


def test_server_refuses_removed_notifications_from_a_2026_client() -> None:
    proto = _server()
    _stateless_request(proto)
    for data in (ROOTS_CHANGED, CLIENT_PROGRESS):
        [event] = proto.receive(data)
        assert isinstance(event, MessageDropped), event
        assert "2026-07-28" in event.reason
    # The one client notification 2026-07-28 keeps still works.
    cancel = b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}'
    assert [type(e) for e in proto.receive(cancel)] == [CancelRequested]


def test_handshake_server_still_accepts_roots_list_changed() -> None:
    proto = _server()
    _init(proto, "2025-11-25")
    [event] = proto.receive(ROOTS_CHANGED)
    assert isinstance(event, NotificationReceived)


def test_removed_notifications_are_not_sent_in_2026() -> None:
    client = Protocol(CLIENT_ROLE)
    client.use_stateless("2026-07-28")
    with pytest.raises(LocalProtocolError, match=r"roots/list_changed.*2026-07-28"):
        client.notify("notifications/roots/list_changed")
    with pytest.raises(LocalProtocolError, match=r"progress.*2026-07-28"):
        client.notify("notifications/progress", {"progressToken": 1, "progress": 1})
    client.notify("notifications/cancelled", {"requestId": 1})  # still allowed
    server = _server()
    _stateless_request(server)
    with pytest.raises(LocalProtocolError, match=r"elicitation/complete.*removed"):
        server.notify("notifications/elicitation/complete", {"elicitationId": "e"})
    server.notify("notifications/progress", {"progressToken": 1, "progress": 1})


def test_initialize_result_declares_only_what_the_revision_defines() -> None:
    from mcplite import Server

    server = Server("s")

    @server.completion()
    def anything(ref: object, argument: object, context: object) -> list[str]:
        return []

    for version, has_completions in (("2024-11-05", False), ("2025-03-26", True)):
        proto = Protocol(SERVER_ROLE, identity=server)
        msg = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "c", "version": "1"},
            },
        }
        [reply] = proto.receive(msgspec.json.encode(msg))
        result = msgspec.json.decode(reply.data)["result"]  # type: ignore[attr-defined]
        assert ("completions" in result["capabilities"]) is has_completions, version
