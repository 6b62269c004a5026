"""_protocol: the sans-I/O session, both roles, both eras (no I/O, no clock)."""

from __future__ import annotations

import sys
from typing import Any

import msgspec
import pytest

from mcplite import types as t
from mcplite._core import jsonrpc as rpc
from mcplite._core.events import (
    BatchReceived,
    CancelRequested,
    ErrorReceived,
    MessageDropped,
    NotificationReceived,
    ProgressReceived,
    ReplyReady,
    RequestReceived,
    ResponseReceived,
    SessionReady,
)
from mcplite._core.protocol import CLIENT_ROLE, SERVER_ROLE, Protocol
from mcplite._core.sending import UNUSED
from mcplite._errors import (
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    LocalProtocolError,
    RemoteProtocolError,
    RPCError,
)

NEW = "2026-07-28"


class Identity:
    def __init__(self, caps: t.ServerCapabilities | None = None, instructions: str | None = None):
        self.info = t.Implementation(name="srv", version="1")
        self.instructions = instructions
        self._caps = caps or t.ServerCapabilities(tools=t.ToolsCapability(), logging={})

    def capabilities(self) -> t.ServerCapabilities:
        return self._caps


def enc(obj: Any) -> bytes:
    return msgspec.json.encode(obj)


def req(id: Any, method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    return enc(msg)


def note(method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return enc(msg)


def reply(events: list[Any]) -> Any:
    assert len(events) == 1 and isinstance(events[0], ReplyReady), events
    return msgspec.json.decode(events[0].data)


def init_params(version: str = "2025-11-25", **caps: Any) -> dict[str, Any]:
    return {
        "protocolVersion": version,
        "capabilities": caps,
        "clientInfo": {"name": "c", "version": "0"},
    }


def meta(version: str = NEW, /, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        t.META_PROTOCOL_VERSION: version,
        t.META_CLIENT_CAPABILITIES: {},
    }
    m.update(extra)
    return {"_meta": m}


def ready_server(version: str = "2025-11-25", **kw: Any) -> Protocol:
    p = Protocol(SERVER_ROLE, identity=Identity(**kw))
    p.receive(req(0, "initialize", init_params(version)))
    assert p.receive(note("notifications/initialized")) == [SessionReady(version)]
    return p


# ----------------------------------------------------------------- construction


def test_constructor_checks_role_and_identity() -> None:
    with pytest.raises(ValueError, match="role"):
        Protocol("peer")
    with pytest.raises(ValueError, match="identity"):
        Protocol(SERVER_ROLE)


# ----------------------------------------------------------------- handshake era


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("2025-11-25", "2025-11-25"),
        ("2024-11-05", "2024-11-05"),
        ("2029-01-01", "2025-11-25"),  # unknown: our latest handshake version
        (NEW, "2025-11-25"),  # the stateless revision has no handshake
    ],
)
def test_initialize_negotiates_version(asked: str, answered: str) -> None:
    p = Protocol(SERVER_ROLE, identity=Identity(instructions="hi"))
    out = reply(p.receive(req(1, "initialize", init_params(asked))))
    assert out["result"]["protocolVersion"] == answered
    assert out["result"]["serverInfo"] == {"name": "srv", "version": "1"}
    assert out["result"]["instructions"] == "hi"
    assert out["result"]["capabilities"] == {"tools": {}, "logging": {}}
    assert p.protocol_version == answered and p.state == "initializing"
    assert p.client is not None and p.client.info == t.Implementation(name="c", version="0")


def test_requests_before_initialize_are_refused_but_ping_works() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    out = reply(p.receive(req(1, "tools/list")))
    assert out["error"]["code"] == -32600
    assert "expected initialize before tools/list" in out["error"]["message"]
    assert reply(p.receive(req(2, "ping"))) == {"jsonrpc": "2.0", "id": 2, "result": {}}


def test_a_method_removed_in_2026_before_initialize_says_why() -> None:
    # The Go SDK's 2026-07-28 client sends logging/setLevel without _meta: the refusal
    # says the method is handshake-era and how a 2026-07-28 request is recognised.
    p = Protocol(SERVER_ROLE, identity=Identity())
    out = reply(p.receive(req(1, "logging/setLevel", {"level": "info"})))
    assert out["error"]["code"] == -32600
    message = out["error"]["message"]
    assert message.startswith("Invalid Request: expected initialize before logging/setLevel")
    assert "was removed in protocol version 2026-07-28" in message
    assert "io.modelcontextprotocol/protocolVersion" in message
    # A method 2026-07-28 still has gets the plain message.
    out = reply(p.receive(req(2, "tools/list")))
    assert "removed" not in out["error"]["message"]


def test_initialize_twice_and_invalid_initialize() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    bad = reply(p.receive(req(1, "initialize", {"protocolVersion": 5})))
    assert bad["error"]["code"] == -32602 and "$.protocolVersion" in bad["error"]["message"]
    p.receive(req(2, "initialize", init_params()))
    again = reply(p.receive(req(3, "initialize", init_params())))
    assert again["error"]["code"] == -32600 and "already" in again["error"]["message"]


def test_initialized_before_initialize_is_ignored_and_requests_flow_after() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    assert p.receive(note("notifications/initialized")) == []
    p = ready_server()
    events = p.receive(req(5, "tools/list", {}))
    assert isinstance(events[0], RequestReceived) and events[0].method == "tools/list"
    assert events[0].client is not None and events[0].client.protocol_version == "2025-11-25"
    assert p.receive(note("notifications/initialized")) == []  # a second one: nothing


def test_gating_direction_capability_and_version() -> None:
    p = ready_server("2024-11-05", caps=t.ServerCapabilities(tools=t.ToolsCapability()))
    out = reply(p.receive(req(1, "prompts/list")))
    assert out["error"]["code"] == -32601 and "prompts capability" in out["error"]["message"]
    out = reply(p.receive(req(2, "sampling/createMessage", {})))
    assert out["error"]["code"] == -32601 and "not sent to a server" in out["error"]["message"]
    out = reply(p.receive(req(3, "subscriptions/listen", {})))
    assert "not supported in protocol version 2024-11-05" in out["error"]["message"]
    out = reply(p.receive(req(4, "server/discover")))
    assert out["error"]["code"] == -32601 and ">= 2026-07-28" in out["error"]["message"]
    # completion had no capability before 2025-03-26: not gated there
    events = p.receive(req(5, "completion/complete", {}))
    assert isinstance(events[0], RequestReceived)
    # custom methods pass through to the handler side
    events = p.receive(req(6, "x/custom", {"a": 1}))
    assert isinstance(events[0], RequestReceived) and events[0].params is not None


def test_assume_initialized_serves_without_handshake() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True)
    events = p.receive(req(1, "tools/list"))
    assert isinstance(events[0], RequestReceived)
    out = reply(p.receive(req(2, "initialize", init_params("2025-06-18"))))
    assert out["result"]["protocolVersion"] == "2025-06-18"
    assert p.state == "ready"


# ----------------------------------------------------------------- stateless era


def test_discover_answers_versions_capabilities_and_server_info() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity(instructions="use me"))
    out = reply(p.receive(req(1, "server/discover", meta())))
    result = out["result"]
    assert result["supportedVersions"] == list(t.SUPPORTED_PROTOCOL_VERSIONS)
    assert result["resultType"] == "complete"
    assert result["instructions"] == "use me"
    assert result["_meta"][t.META_SERVER_INFO] == {"name": "srv", "version": "1"}


def test_stateless_request_carries_client_state() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    info = {"name": "cl", "version": "2"}
    events = p.receive(
        req(1, "tools/list", meta(**{t.META_CLIENT_INFO: info, t.META_LOG_LEVEL: "info"}))
    )
    ev = events[0]
    assert isinstance(ev, RequestReceived) and ev.client is not None
    assert ev.client.stateless and ev.client.protocol_version == NEW
    assert ev.client.info == t.Implementation(name="cl", version="2")
    assert ev.client.log_level == "info"
    assert p.state == "new"  # no handshake state was created


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        (meta("2099-01-01"), -32022, "Unsupported protocol version"),
        ({"_meta": {t.META_PROTOCOL_VERSION: NEW}}, -32602, "clientCapabilities"),
        (meta(**{t.META_CLIENT_CAPABILITIES: 3}), -32602, "clientCapabilities"),
        (meta(**{t.META_CLIENT_INFO: {"name": 1}}), -32602, "clientInfo"),
        (meta(**{t.META_LOG_LEVEL: "loud"}), -32602, "must be one of"),
    ],
)
def test_stateless_meta_errors(params: dict[str, Any], code: int, words: str) -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    out = reply(p.receive(req(1, "tools/list", params)))
    assert out["error"]["code"] == code and words in out["error"]["message"]
    if code == -32022:
        assert out["error"]["data"] == {
            "supported": list(t.SUPPORTED_PROTOCOL_VERSIONS),
            "requested": "2099-01-01",
        }


@pytest.mark.parametrize(
    ("params", "meta"),
    [
        (b'{"_meta":{"a":1},"name":"x"}', {"a": 1}),
        (b'{"name":"x"}', None),
        (b'{"_meta":3}', None),  # not an object: the params decode refuses it later
        (b"[1,2]", None),
    ],
)
def test_peek_meta_reads_an_object_meta_or_nothing(params: bytes, meta: Any) -> None:
    from mcplite._core.meta import ParamsMeta, peek_meta
    from mcplite._wire.streamable import _PeekParams

    assert peek_meta(params) == meta
    # The streamable-HTTP POST peek extends this one: one declaration of the _meta field.
    assert issubclass(_PeekParams, ParamsMeta)


@pytest.mark.parametrize(
    "method", ["ping", "logging/setLevel", "resources/subscribe", "initialize"]
)
def test_methods_removed_in_2026_are_method_not_found(method: str) -> None:
    p = Protocol(SERVER_ROLE, identity=Identity())
    out = reply(p.receive(req(1, method, meta())))
    assert out["error"]["code"] == -32601
    assert "not supported in protocol version 2026-07-28" in out["error"]["message"]


def test_old_or_malformed_meta_version_is_handshake_era() -> None:
    p = ready_server()
    events = p.receive(req(1, "tools/list", meta("2025-06-18")))
    assert isinstance(events[0], RequestReceived)
    assert events[0].client is not None and events[0].client.protocol_version == "2025-11-25"
    # a _meta that is not an object: the version key is present as text but unusable
    events = p.receive(
        req(2, "tools/list", {"_meta": "io.modelcontextprotocol/protocolVersion", "x": 1})
    )
    assert isinstance(events[0], RequestReceived)  # the handler's decode will refuse it
    weird = (
        b'{"jsonrpc":"2.0","id":3,"method":"tools/list",'
        b'"params":{"s":"\\"io.modelcontextprotocol/protocolVersion\\""}}'
    )
    assert isinstance(p.receive(weird)[0], RequestReceived)


def test_stateless_gating_uses_server_capabilities() -> None:
    p = Protocol(SERVER_ROLE, identity=Identity(caps=t.ServerCapabilities()))
    out = reply(p.receive(req(1, "tools/call", meta())))
    assert out["error"]["code"] == -32601 and "tools capability" in out["error"]["message"]


# ----------------------------------------------------------------- batches


def test_batches_refused_outside_2025_03_26() -> None:
    p = ready_server("2025-11-25")
    out = reply(p.receive(b"[" + req(1, "ping") + b"]"))
    assert out["error"]["code"] == -32600 and "2025-11-25" in out["error"]["message"]
    p = Protocol(SERVER_ROLE, identity=Identity())
    out = reply(p.receive(b"[" + req(1, "initialize", init_params("2025-03-26")) + b"]"))
    assert "not initialized" in out["error"]["message"]


def test_batch_in_2025_03_26_mixes_requests_replies_and_errors() -> None:
    p = ready_server("2025-03-26")
    data = (
        b"["
        + b",".join([req(1, "ping"), b"17", req(2, "tools/list", {}), note("notifications/x", {})])
        + b"]"
    )
    events = p.receive(data)
    assert events[0] == BatchReceived(1, 3)
    kinds = [type(e) for e in events[1:]]
    assert kinds == [ReplyReady, ReplyReady, RequestReceived, NotificationReceived]
    assert all(e.batch == 1 for e in events[1:3])  # type: ignore[attr-defined]
    assert events[3].batch == 1  # type: ignore[attr-defined]


# ----------------------------------------------------------------- notifications


def test_cancel_only_for_requests_in_flight() -> None:
    p = ready_server()
    p.receive(req(9, "tools/list", {}))
    events = p.receive(note("notifications/cancelled", {"requestId": 9, "reason": "bored"}))
    assert events == [CancelRequested(9, "bored")]
    p.respond(9, t.EmptyResult())
    assert p.receive(note("notifications/cancelled", {"requestId": 9})) == []
    [dropped] = p.receive(note("notifications/cancelled", {"nope": 1}))
    assert isinstance(dropped, MessageDropped) and "requestId" in dropped.reason


def test_progress_for_our_tokens_only() -> None:
    p = ready_server()
    id, _ = p.request("ping", None, progress_token="tok")
    events = p.receive(
        note(
            "notifications/progress",
            {"progressToken": "tok", "progress": 1, "total": 2, "message": "m"},
        )
    )
    assert events == [ProgressReceived("tok", 1.0, 2.0, "m")]
    assert p.receive(note("notifications/progress", {"progressToken": "tok", "progress": 2})) == [
        ProgressReceived("tok", 2.0, None, None)
    ]
    assert p.receive(note("notifications/progress", {"progressToken": "x", "progress": 1})) == []
    [dropped] = p.receive(note("notifications/progress", {"progress": "x"}))
    assert isinstance(dropped, MessageDropped) and "notifications/progress" in dropped.reason
    p.receive(enc({"jsonrpc": "2.0", "id": id, "result": {}}))
    assert p.receive(note("notifications/progress", {"progressToken": "tok", "progress": 3})) == []


def test_other_notifications_pass_through() -> None:
    p = ready_server()
    events = p.receive(note("notifications/roots/list_changed"))
    assert isinstance(events[0], NotificationReceived) and events[0].params is None


# ----------------------------------------------------------------- responses


def test_responses_matched_to_pending_requests() -> None:
    p = ready_server()
    id1, data = p.request("ping")
    assert msgspec.json.decode(data) == {"jsonrpc": "2.0", "id": id1, "method": "ping"}
    assert p.pending == 1
    events = p.receive(enc({"jsonrpc": "2.0", "id": id1, "result": {}}))
    assert isinstance(events[0], ResponseReceived) and events[0].method == "ping"
    # unknown now: dropped, and the driver may log why
    assert p.receive(enc({"jsonrpc": "2.0", "id": id1, "result": {}})) == [
        MessageDropped(f"a response to unknown request id {id1!r}")
    ]
    id2, _ = p.request("ping", progress_token=5)
    events = p.receive(
        enc({"jsonrpc": "2.0", "id": id2, "error": {"code": -1, "message": "no", "data": [1]}})
    )
    assert isinstance(events[0], ErrorReceived)
    assert isinstance(events[0].error, RPCError) and events[0].error.data == [1]
    assert p.receive(enc({"jsonrpc": "2.0", "id": None, "error": {"code": 1, "message": ""}})) == [
        MessageDropped("a response to unknown request id None")
    ]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({}, "expected a method, a result or an error"),
        ({"result": 1, "jsonrpc": "1.0"}, 'expected "jsonrpc": "2.0"'),
        ({"result": {}, "error": {"code": 1}}, "Invalid JSON-RPC message"),
    ],
)
def test_a_malformed_answer_to_a_pending_request_fails_that_request(
    answer: dict[str, Any], words: str
) -> None:
    # An invalid message without a method, carrying the id of one of our requests in
    # flight, is that request's answer: it fails (not left waiting), nothing is sent back.
    p = ready_server()
    id1, _ = p.request("ping", progress_token="tok")
    events = p.receive(enc({"jsonrpc": "2.0", "id": id1, **answer}))
    assert len(events) == 1 and isinstance(events[0], ErrorReceived)
    assert isinstance(events[0].error, RemoteProtocolError)
    assert "invalid response to ping" in events[0].error.message
    assert words in events[0].error.message
    assert p.pending == 0
    # The same for an id that is not ours in flight: an error reply, as for any bad input.
    events = p.receive(enc({"jsonrpc": "2.0", "id": id1}))
    assert isinstance(events[0], ReplyReady) and b"-32600" in events[0].data


def test_cancel_forget_and_connection_lost() -> None:
    p = ready_server()
    id1, _ = p.request("ping", progress_token="p")
    data = p.cancel(id1, "stop")
    assert msgspec.json.decode(data)["params"] == {"requestId": id1, "reason": "stop"}
    assert msgspec.json.decode(p.cancel(99))["params"] == {"requestId": 99}
    id2, _ = p.request("ping", progress_token="q")
    p.forget(id2)
    p.forget(12345)
    assert p.pending == 0
    p.request("ping")
    p.receive(req(77, "tools/list", {}))
    assert len(p.connection_lost()) == 1 and p.closed
    with pytest.raises(LocalProtocolError, match="closed"):
        p.request("ping")


def test_server_role_outgoing_gating() -> None:
    p = ready_server()  # client advertised nothing
    with pytest.raises(LocalProtocolError, match="does not advertise the sampling"):
        p.request("sampling/createMessage", {})
    with pytest.raises(LocalProtocolError, match="a server cannot send tools/list"):
        p.request("tools/list")
    p2 = Protocol(SERVER_ROLE, identity=Identity())
    p2.receive(req(0, "initialize", init_params("2025-11-25", roots={})))
    assert p2.request("roots/list")[0] == 1
    p3 = Protocol(SERVER_ROLE, identity=Identity())
    p3.receive(req(0, "initialize", init_params("2025-03-26", elicitation={})))
    with pytest.raises(LocalProtocolError, match="does not exist in protocol version 2025-03-26"):
        p3.request("elicitation/create", {})


# ----------------------------------------------------------------- client role


def server_info_of(p: Protocol) -> t.Implementation | None:
    return p.server_info


def stateless_of(p: Protocol) -> bool:
    return p.stateless


def client(**kw: Any) -> Protocol:
    return Protocol(
        CLIENT_ROLE,
        client_info=t.Implementation(name="c", version="1"),
        client_capabilities=t.ClientCapabilities(roots=t.RootsCapability()),
        **kw,
    )


def init_result(version: str = "2025-11-25", **caps: Any) -> dict[str, Any]:
    return {
        "protocolVersion": version,
        "capabilities": caps,
        "serverInfo": {"name": "s", "version": "1"},
    }


def test_client_handshake() -> None:
    p = client()
    id, data = p.request(
        "initialize",
        t.InitializeParams(
            protocol_version="2025-11-25",
            capabilities=t.ClientCapabilities(),
            client_info=t.Implementation(name="c", version="1"),
        ),
    )
    assert msgspec.json.decode(data)["params"]["protocolVersion"] == "2025-11-25"
    events = p.receive(enc({"jsonrpc": "2.0", "id": id, "result": init_result(tools={})}))
    assert isinstance(events[0], ReplyReady)
    assert msgspec.json.decode(events[0].data) == {
        "jsonrpc": "2.0",
        "method": "notifications/initialized",
    }
    assert events[1] == SessionReady("2025-11-25")
    assert isinstance(events[2], ResponseReceived)
    assert p.server_info == t.Implementation(name="s", version="1")
    assert p.state == "ready" and not p.stateless
    # gating on what the server advertised
    p.request("tools/list")
    with pytest.raises(LocalProtocolError, match="server does not advertise the prompts"):
        p.request("prompts/list")
    with pytest.raises(LocalProtocolError, match="a client cannot send roots/list"):
        p.request("roots/list")
    with pytest.raises(LocalProtocolError, match="does not exist"):
        p.request("subscriptions/listen")
    id2, _ = p.request("initialize", {})
    with pytest.raises(LocalProtocolError, match="initialize request cannot be cancelled"):
        p.cancel(id2)


def test_a_request_that_passed_is_checked_again_once_the_peer_or_version_changes() -> None:
    # A method that passed the checks is not checked again on every call; a new version
    # or new capabilities from the server (a later handshake, a discovery) still count.
    p = client()
    id, _ = p.request("initialize", {})
    p.receive(enc({"jsonrpc": "2.0", "id": id, "result": init_result(tools={})}))
    p.request("tools/list")
    p.request("tools/list")
    p.server_capabilities = t.ServerCapabilities()  # the tools capability is gone
    with pytest.raises(LocalProtocolError, match="server does not advertise the tools"):
        p.request("tools/list")
    p.server_capabilities = t.ServerCapabilities(tools=t.ToolsCapability())
    p.request("tools/list")
    p.use_stateless("2026-07-28")
    p.request("subscriptions/listen", {})
    p.reset_version()
    p.protocol_version = "2025-11-25"
    with pytest.raises(LocalProtocolError, match="does not exist"):
        p.request("subscriptions/listen", {})


@pytest.mark.parametrize(
    ("result", "words"),
    [
        (init_result("2031-01-01"), "expected one of"),
        (init_result(NEW), "expected one of"),
        ({"protocolVersion": "2025-11-25"}, "Invalid result"),
    ],
)
def test_client_rejects_bad_initialize_results(result: dict[str, Any], words: str) -> None:
    p = client()
    id, _ = p.request("initialize", {})
    events = p.receive(enc({"jsonrpc": "2.0", "id": id, "result": result}))
    assert isinstance(events[0], ErrorReceived)
    assert isinstance(events[0].error, RemoteProtocolError) and words in str(events[0].error)


def test_client_stateless_mode_injects_meta() -> None:
    p = client()
    p.client.log_level = "debug"  # type: ignore[union-attr]
    p.use_stateless(NEW)
    _, data = p.request("server/discover", t.DiscoverParams())
    m = msgspec.json.decode(data)["params"]["_meta"]
    assert m[t.META_PROTOCOL_VERSION] == NEW
    assert m[t.META_CLIENT_CAPABILITIES] == {"roots": {}}
    assert m[t.META_CLIENT_INFO] == {"name": "c", "version": "1"}
    assert m[t.META_LOG_LEVEL] == "debug"
    discovered = t.DiscoverResult(
        supported_versions=[NEW],
        capabilities=t.ServerCapabilities(tools=t.ToolsCapability()),
        meta={t.META_SERVER_INFO: {"name": "s", "version": "9"}},
    )
    p.use_stateless(NEW, discovered)
    assert p.server_info == t.Implementation(name="s", version="9") and p.stateless
    _, data = p.request("tools/call", t.CallToolParams(name="x", meta={"progressToken": 1}))
    sent = msgspec.json.decode(data)["params"]["_meta"]
    assert sent["progressToken"] == 1 and sent[t.META_PROTOCOL_VERSION] == NEW
    _, data = p.request("x/custom", {"a": 1, "_meta": {"k": 2}}, progress_token=3)
    sent = msgspec.json.decode(data)["params"]
    assert sent["a"] == 1 and sent["_meta"]["k"] == 2 and sent["_meta"]["progressToken"] == 3
    p.use_stateless(
        NEW,
        t.DiscoverResult(
            supported_versions=[],
            capabilities=t.ServerCapabilities(),
            meta={t.META_SERVER_INFO: {"bad": True}},
        ),
    )
    assert server_info_of(p) is None
    p.use_stateless(
        NEW, t.DiscoverResult(supported_versions=[], capabilities=t.ServerCapabilities())
    )
    with pytest.raises(LocalProtocolError, match="not a supported stateless"):
        p.use_stateless("2025-11-25")
    p.reset_version()
    assert not stateless_of(p)


def test_client_answers_server_requests_it_supports() -> None:
    p = client()
    id, _ = p.request("initialize", {})
    p.receive(enc({"jsonrpc": "2.0", "id": id, "result": init_result()}))
    events = p.receive(req("s1", "roots/list"))
    assert isinstance(events[0], RequestReceived) and events[0].client is None
    out = reply(p.receive(req("s2", "sampling/createMessage", {})))
    assert out["error"]["code"] == -32601 and "sampling capability" in out["error"]["message"]
    assert reply(p.receive(req("s3", "ping")))["result"] == {}
    out = reply(p.receive(req("s4", "tools/list")))
    assert "not sent to a client" in out["error"]["message"]


def test_invalid_payload_answered_with_error_reply() -> None:
    p = ready_server()
    out = reply(p.receive(b"{"))
    assert out == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": out["error"]["message"]},
    }
    out = reply(p.receive(b'{"jsonrpc":"2.0","id":4,"method":7}'))
    assert out["id"] == 4 and out["error"]["code"] == -32600


def test_outgoing_respond_error_clears_incoming() -> None:
    p = ready_server()
    p.receive(req(3, "tools/list", {}))
    data = p.respond_error(3, -32000, "x", {"d": 1})
    assert msgspec.json.decode(data)["error"] == {"code": -32000, "message": "x", "data": {"d": 1}}
    assert p.receive(note("notifications/cancelled", {"requestId": 3})) == []
    decoded = rpc.decode(p.notify("n"))
    assert isinstance(decoded, tuple) and decoded[0] == rpc.NOTIFICATION


def test_client_stateless_without_info_or_level() -> None:
    p = Protocol(CLIENT_ROLE)
    p.use_stateless(NEW)
    _, data = p.request("tools/list")
    m = msgspec.json.decode(data)["params"]["_meta"]
    assert set(m) == {t.META_PROTOCOL_VERSION, t.META_CLIENT_CAPABILITIES}
    assert b"_meta" not in p.notify("notifications/cancelled")


def test_codec_and_method_table() -> None:
    from mcplite._core.codec import decode_params, decode_result
    from mcplite._core.methods import lookup

    assert decode_params(t.ListToolsParams, None) == t.ListToolsParams()
    with pytest.raises(RemoteProtocolError, match="Invalid params"):
        decode_params(t.CallToolParams, None)
    with pytest.raises(RemoteProtocolError, match="expected a ListToolsResult"):
        decode_result(t.ListToolsResult, msgspec.Raw(b'{"tools": 3}'))
    lenient = decode_result(
        t.CallToolResult, msgspec.Raw(b'{"content":[{"type":"hologram","x":1}]}')
    )
    assert isinstance(lenient.content[0], t.UnknownContent)
    # One result decoder (types.decode_result): an input_required result is recognised, and
    # refused here where a complete result was asked for, whether or not it would also pass
    # as that type (EmptyResult has no required field, so it used to be taken for success).
    needed = b'{"resultType":"input_required","requestState":"s"}'
    for type_ in (t.CallToolResult, t.EmptyResult):
        with pytest.raises(RemoteProtocolError, match="got resultType 'input_required'") as info:
            decode_result(type_, msgspec.Raw(needed))
        assert info.value.code == INTERNAL_ERROR and type_.__name__ in str(info.value)
    asked = decode_result(t.InputRequiredResult, msgspec.Raw(needed))
    assert asked == t.InputRequiredResult(request_state="s")
    spec = lookup("tools/call")
    assert spec is not None and spec.is_request and spec.exists_in(NEW)
    note_spec = lookup("notifications/initialized")
    assert note_spec is not None and not note_spec.is_request and not note_spec.exists_in(NEW)
    assert lookup("nope") is None


def test_the_gate_memo_follows_a_change_of_capabilities() -> None:
    # The protocol remembers the last (method, version, capabilities) its gate let
    # through; a server whose capabilities change (its last tool removed) is gated anew.
    identity = Identity(t.ServerCapabilities(tools=t.ToolsCapability()))
    p = Protocol(SERVER_ROLE, identity=identity)
    p.receive(req(0, "initialize", init_params()))
    p.receive(note("notifications/initialized"))
    call = {"name": "echo", "arguments": {}}
    assert isinstance(p.receive(req(1, "tools/call", call))[0], RequestReceived)
    assert isinstance(p.receive(req(2, "tools/call", call))[0], RequestReceived)
    identity._caps = t.ServerCapabilities()  # a new object, as Server._invalidate makes
    refused = reply(p.receive(req(3, "tools/call", call)))
    assert refused["error"]["code"] == METHOD_NOT_FOUND
    assert "needs the tools capability" in refused["error"]["message"]
    # ... and a method the memo has not seen is gated even when the last one passed.
    identity._caps = t.ServerCapabilities(tools=t.ToolsCapability())
    assert isinstance(p.receive(req(4, "tools/call", call))[0], RequestReceived)
    refused = reply(p.receive(req(5, "prompts/list")))
    assert "needs the prompts capability" in refused["error"]["message"]


def test_answering_the_last_incoming_request_gives_its_table_back() -> None:
    # Memory per idle session (issue 15): the unanswered-requests record was a set, 216
    # bytes for good once used; it is a dict emptied with clear(), which frees its table.
    p = ready_server()
    assert p._incoming == {}
    p.receive(req(3, "tools/list", {}))
    p.receive(req(4, "tools/list", {}))
    assert list(p._incoming) == [3, 4]
    p.respond(3, {})
    assert list(p._incoming) == [4]
    assert p.receive(note("notifications/cancelled", {"requestId": 3})) == []  # answered
    p.respond_error(4, -32000, "x")
    assert p._incoming == {} and sys.getsizeof(p._incoming) == sys.getsizeof({})


def test_a_session_shares_one_empty_table_until_it_sends_a_request() -> None:
    # Memory per idle session (issue 15): the tables of our own requests (pending,
    # progress tokens both ways) were three empty dicts on every server session, which
    # seldom sends a request; they are one shared empty table until the first.
    p = ready_server()
    other = ready_server()
    assert p._pending is UNUSED and p._progress is UNUSED and p._progress_of is UNUSED
    assert p._sendable is UNUSED  # the memo of methods whose send checks passed, too
    assert other._pending is UNUSED
    p.request("ping", None)
    assert p._pending is not UNUSED and list(p._pending.values()) == ["ping"]
    assert list(p._sendable) == ["ping"] and other._sendable is UNUSED
    assert p._progress is UNUSED  # no progress token asked for
    c = client()
    c.request("initialize", {}, progress_token="tok")
    assert c._progress == {"tok": 1} and c._progress_of == {1: "tok"}
    assert other._pending is UNUSED and UNUSED == {}  # nothing leaked into the shared one
    # The shared table refuses writes outright (one session's entry in every session).
    for write in (
        lambda: UNUSED.__setitem__(1, "x"),
        lambda: UNUSED.setdefault(1, "x"),
        lambda: UNUSED.update({1: "x"}),
    ):
        with pytest.raises(TypeError, match="shared empty table"):
            write()
    assert UNUSED.pop(1, None) is None and 1 not in UNUSED and not UNUSED
