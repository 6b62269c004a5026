"""_streamable_wire: what a server peeks at in a POST before routing it (pure)."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest

from mcplite._wire.streamable import (
    PostPlan,
    PostRefusal,
    _media,
    _params,
    _Peek,
    _peek_decoder,
    decode_header_value,
    plan_post,
    session_problem,
)


def peek(data: bytes) -> _Peek:
    msg = _peek_decoder().decode(data)
    assert isinstance(msg, _Peek)
    return msg


def test_params_peek_reads_meta_name_and_uri() -> None:
    msg = peek(
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call",'
        b'"params":{"name":"echo","_meta":{"k":1},"arguments":{"x":[1,2]}}}'
    )
    params = _params(msg)
    assert params.name == "echo" and params.meta == {"k": 1} and params.uri is None


def test_params_peek_tolerates_missing_or_non_object_params() -> None:
    assert _params(peek(b'{"jsonrpc":"2.0","id":1,"method":"ping"}')).name is None
    odd = _params(peek(b'{"jsonrpc":"2.0","id":1,"method":"x","params":[1,2]}'))
    assert odd.meta is None and odd.name is None  # the protocol will refuse it


def test_batches_peek_as_lists() -> None:
    msgs = _peek_decoder().decode(b'[{"method":"a"},{"id":2,"method":"b"}]')
    assert isinstance(msgs, list) and [m.method for m in msgs] == ["a", "b"]
    assert msgs[0].id is msgspec.UNSET and msgs[1].id == 2


def test_media_matching() -> None:
    assert not _media(None, b"application/json")  # the client MUST send Accept
    assert _media(b"Application/JSON, text/event-stream", b"application/json")
    assert not _media(b"text/html", b"application/json", b"text/event-stream")


def test_header_value_encoding() -> None:
    assert decode_header_value("us-west1") == "us-west1"
    encoded = base64.b64encode("Zürich".encode()).decode()
    assert decode_header_value(f"=?base64?{encoded}?=") == "Zürich"
    assert decode_header_value("=?base64?not base64!?=") is None
    bad_utf8 = base64.b64encode(b"\xff\xfe").decode()
    assert decode_header_value(f"=?base64?{bad_utf8}?=") is None


# ------------------------------------------------------------------ plan_post, table-driven

JSON = b"application/json"
BOTH = b"application/json, text/event-stream"
CALL = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}'
NEW_CALL = (
    b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",'
    b'"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}'
)
NOTE = b'{"jsonrpc":"2.0","method":"notifications/initialized"}'
VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28")
# plan_post's server settings in these tests (a stateful SSE server); a case overrides some.
SETTINGS: dict[str, Any] = {
    "versions": VERSIONS,
    "supported": VERSIONS,
    "stateless": False,
    "json_response": False,
    "max_json_depth": 64,
}

# (case, headers, body, options, expected): expected is ("refuse", status, code, words in the
# message) or ("route", route, ids, can_sse, version, batch).
PLAN_CASES: list[tuple[str, dict[bytes, bytes], bytes, dict[str, Any], tuple[Any, ...]]] = [
    ("no content type", {b"accept": BOTH}, CALL, {}, ("refuse", 415, -32600, "got nothing")),
    (
        "text content type",
        {b"content-type": b"text/plain", b"accept": BOTH},
        CALL,
        {},
        ("refuse", 415, -32600, "got 'text/plain'"),
    ),
    (
        "no accept",
        {b"content-type": JSON},
        CALL,
        {},
        ("refuse", 406, -32600, "Accept must list"),
    ),
    (
        "json only, sse server",
        {b"content-type": JSON, b"accept": JSON},
        CALL,
        {},
        ("refuse", 406, -32600, "got 'application/json'"),
    ),
    (
        "json only, json server",
        {b"content-type": JSON, b"accept": JSON},
        CALL,
        {"json_response": True},
        ("route", "stateful", [1], False, None, False),
    ),
    (
        "wildcard accept",
        {b"content-type": b"application/json; charset=utf-8", b"accept": b"*/*"},
        CALL,
        {},
        ("route", "stateful", [1], True, None, False),
    ),
    ("not json", {b"content-type": JSON, b"accept": BOTH}, b"{", {}, ("refuse", 400, -32700, "")),
    (
        "too deep",
        {b"content-type": JSON, b"accept": BOTH},
        b"[" * 50 + b"]" * 50,
        {"max_json_depth": 10},
        ("refuse", 400, -32700, "deep"),
    ),
    (
        "not an object",
        {b"content-type": JSON, b"accept": BOTH},
        b"7",
        {},
        ("refuse", 400, -32600, "Invalid Request"),
    ),
    (
        "empty batch",
        {b"content-type": JSON, b"accept": BOTH},
        b"[]",
        {},
        ("refuse", 400, -32600, "empty batch"),
    ),
    (
        "wrong jsonrpc",
        {b"content-type": JSON, b"accept": BOTH},
        b'{"jsonrpc":"1.0","id":3,"method":"ping"}',
        {},
        ("refuse", 400, -32600, 'expected "jsonrpc": "2.0", got "1.0"'),
    ),
    (
        "neither request nor response",
        {b"content-type": JSON, b"accept": BOTH},
        b'{"jsonrpc":"2.0","id":3}',
        {},
        ("refuse", 400, -32600, "request, notification or response"),
    ),
    (
        "null id",
        {b"content-type": JSON, b"accept": BOTH},
        b'{"jsonrpc":"2.0","id":null,"method":"ping"}',
        {},
        ("refuse", 400, -32600, "id must not be null"),
    ),
    (
        "duplicate ids",
        {b"content-type": JSON, b"accept": BOTH},
        b'[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":1,"method":"ping"}]',
        {},
        ("refuse", 400, -32600, "duplicate ids"),
    ),
    (
        "unknown version header",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"1999-01-01"},
        CALL,
        {},
        ("refuse", 400, -32022, "unsupported MCP-Protocol-Version '1999-01-01'"),
    ),
    (
        "notification",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2025-11-25"},
        NOTE,
        {},
        ("route", "stateful", [], True, "2025-11-25", False),
    ),
    (
        "stateless server",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2025-11-25"},
        CALL,
        {"stateless": True},
        ("route", "stateless", [1], True, "2025-11-25", False),
    ),
    (
        "batch on a stateless 2025-11-25 server",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2025-11-25"},
        b"[" + CALL + b"]",
        {"stateless": True},
        ("refuse", 400, -32600, "batches are not supported in protocol version 2025-11-25"),
    ),
    (
        "batch on a stateless 2025-03-26 server",
        {b"content-type": JSON, b"accept": BOTH},
        b"[" + CALL + b"]",
        {"stateless": True},
        ("route", "stateless", [1], True, None, True),
    ),
    (
        "2026 by _meta",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2026-07-28"},
        NEW_CALL,
        {},
        ("route", "new-era", [1], True, "2026-07-28", False),
    ),
    (
        "2026 _meta, no header",
        {b"content-type": JSON, b"accept": BOTH},
        NEW_CALL,
        {},
        ("refuse", 400, -32020, "MCP-Protocol-Version header is missing"),
    ),
    (
        "2026 header, no _meta",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2026-07-28"},
        CALL,
        {},
        ("refuse", 400, -32602, "is required in 2026-07-28"),
    ),
    (
        "2026 batch",
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"2026-07-28"},
        b"[" + NEW_CALL + b"]",
        {},
        ("refuse", 400, -32600, "no batches in 2026-07-28"),
    ),
]


@pytest.mark.parametrize(
    ("headers", "body", "options", "expected"),
    [case[1:] for case in PLAN_CASES],
    ids=[case[0] for case in PLAN_CASES],
)
def test_plan_post(
    headers: dict[bytes, bytes], body: bytes, options: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    plan = plan_post(headers.get, body, **{**SETTINGS, **options})
    if expected[0] == "refuse":
        assert isinstance(plan, PostRefusal), plan
        _, status, code, words = expected
        assert (plan.status, plan.code) == (status, code)
        assert words in plan.message
    else:
        assert isinstance(plan, PostPlan), plan
        _, route, ids, can_sse, version, batch = expected
        assert (plan.route, plan.ids, plan.can_sse, plan.version, plan.batch) == (
            route,
            ids,
            can_sse,
            version,
            batch,
        )


def test_plan_post_refusals_name_the_request_and_the_versions() -> None:
    plan = plan_post(
        {b"content-type": JSON, b"accept": BOTH, b"mcp-protocol-version": b"9"}.get,
        b'{"jsonrpc":"2.0","id":"r1","method":"ping"}',
        **SETTINGS,
    )
    assert isinstance(plan, PostRefusal)
    assert plan.id == "r1"
    assert plan.data == {"supported": list(VERSIONS), "requested": "9"}


def test_plan_post_media_verdicts_are_remembered_only_for_short_values() -> None:
    """The Content-Type/Accept verdicts are cached per value (a client repeats them on
    every POST); the answers are those of a fresh decision, a long value is decided anew
    each time and not kept (a client varying long headers costs no memory)."""
    from mcplite._wire.streamable import _media_verdict_cached

    settings = SETTINGS
    _media_verdict_cached.cache_clear()
    for _ in range(3):
        refused = plan_post({b"content-type": JSON, b"accept": JSON}.get, CALL, **settings)
        assert isinstance(refused, PostRefusal)
        assert (refused.status, refused.code) == (406, -32600)
        assert "got 'application/json'" in refused.message
        wrong = plan_post({b"content-type": b"text/plain", b"accept": BOTH}.get, CALL, **settings)
        assert isinstance(wrong, PostRefusal) and wrong.status == 415
        ok = plan_post({b"content-type": JSON, b"accept": BOTH}.get, CALL, **settings)
        assert isinstance(ok, PostPlan) and ok.can_sse
        json_only = plan_post(
            {b"content-type": JSON, b"accept": JSON}.get,
            CALL,
            **{**settings, "json_response": True},
        )
        assert isinstance(json_only, PostPlan) and not json_only.can_sse
    assert _media_verdict_cached.cache_info().currsize == 4
    long_accept = b"application/json, text/event-stream, " + b"x" * 300
    for _ in range(2):
        plan = plan_post({b"content-type": JSON, b"accept": long_accept}.get, CALL, **settings)
        assert isinstance(plan, PostPlan) and plan.can_sse
        refused = plan_post(
            {b"content-type": JSON, b"accept": b"text/html, " + b"x" * 300}.get, CALL, **settings
        )
        assert isinstance(refused, PostRefusal) and refused.status == 406
    assert _media_verdict_cached.cache_info().currsize == 4


INIT = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (INIT, None),
        (b"[" + INIT + b"]", "initialize in a batch"),  # one-element batch: still a batch
        (b"[" + INIT + b"," + NOTE + b"]", "initialize in a batch"),
        (CALL, "Mcp-Session-Id header is required (send initialize first)"),
        (b'{"jsonrpc":"2.0","method":"initialize"}', "Mcp-Session-Id header is required"),
    ],
    ids=["initialize", "batched-alone", "batched", "other request", "initialize notification"],
)
def test_session_problem(body: bytes, problem: str | None) -> None:
    """What a stateful POST without Mcp-Session-Id gets; the in-process and the shared
    (store-backed) sessions both ask this one function (a one-element batch holding
    initialize used to open a shared session)."""
    plan = plan_post({b"content-type": JSON, b"accept": BOTH}.get, body, **SETTINGS)
    assert isinstance(plan, PostPlan)
    found = session_problem(plan)
    assert found is None if problem is None else (found is not None and problem in found)
