"""Tools, bad input, cancellation, blocking handlers, logging, progress, middleware, custom
methods and MRTR (ctx.elicit / ctx.request_inputs) over the raw JSON-RPC path."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated, Any

import msgspec
import pytest

from mcplite import Context, Server, ToolError, types as t
from mcplite._server.input import url_elicitation_required
from tests._server_peer import Peer, error, result


class Point(msgspec.Struct):
    x: int
    y: int = 0


def make() -> tuple[Server, threading.Event]:
    server = Server(
        "beh",
        "1.0",
        title="Behaviour",
        website_url="https://example.invalid",
        instructions="be nice",
    )
    release = threading.Event()
    calls: list[str] = []

    @server.middleware
    async def record(ctx: Context, call_next: Any) -> Any:
        calls.append(ctx.method)
        return await call_next()

    @server.tool(title="Adder", annotations=t.ToolAnnotations(read_only_hint=True))
    def add(a: Annotated[int, msgspec.Meta(description="first")], p: Point) -> int:
        return a + p.x + p.y

    @server.tool()
    def fails(kind: str) -> str:
        if kind == "tool":
            raise ToolError("bad kind, expected 'ok'")
        raise RuntimeError("secret detail")

    @server.tool()
    def blocking() -> str:
        release.wait(5)  # a sync tool runs in a thread: the loop keeps serving
        return "released"

    @server.tool()
    async def forever() -> str:
        await asyncio.Event().wait()
        return "never"

    @server.tool()
    async def chatty(ctx: Context) -> str:
        await ctx.log("debug", "dbg")
        await ctx.log("warning", {"w": 1}, logger="x")
        await ctx.progress(1, total=2, message="half")
        return "ok"

    @server.tool()
    async def ask(ctx: Context) -> str:
        r = await ctx.elicit(
            "name?", {"type": "object", "properties": {"n": {"type": "string"}}}, key="who"
        )
        many = await ctx.request_inputs(
            {
                "roots": t.ListRootsParams(),
                "llm": t.CreateMessageParams(
                    messages=[t.SamplingMessage(role="user", content=t.TextContent(text="hi"))],
                    max_tokens=5,
                ),
            }
        )
        return f"{(r.content or {})['n']} {len(many['roots'].roots)} {many['llm'].model}"

    @server.tool()
    async def needs_url() -> str:
        raise url_elicitation_required(
            [
                t.ElicitParams(
                    mode="url",
                    message="log in",
                    url="https://example.invalid/a",
                    elicitation_id="e1",
                )
            ]
        )

    @server.method("acme/echo")
    async def echo(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        return {"echo": params, "calls": len(calls)}

    return server, release


async def test_tools_and_bad_input_handshake() -> None:
    server, release = make()
    p = Peer(server)
    init = result(await p.init())
    assert init["serverInfo"] == {
        "name": "beh",
        "version": "1.0",
        "title": "Behaviour",
        "websiteUrl": "https://example.invalid",
    }
    assert init["instructions"] == "be nice"
    tools = {x["name"]: x for x in result(await p.call("tools/list"))["tools"]}
    add = tools["add"]
    assert add["title"] == "Adder" and add["annotations"] == {"readOnlyHint": True}
    assert add["inputSchema"]["properties"]["a"] == {"description": "first", "type": "integer"}
    assert add["outputSchema"]["properties"]["result"] == {"type": "integer"}
    ok = result(await p.call("tools/call", {"name": "add", "arguments": {"a": 1, "p": {"x": 2}}}))
    assert ok == {"content": [{"type": "text", "text": "3"}], "structuredContent": {"result": 3}}
    bad = result(
        await p.call("tools/call", {"name": "add", "arguments": {"a": 1, "p": {"x": "2"}}})
    )
    assert bad["isError"] is True
    assert "Expected `int`, got `str` - at `$.p.x`" in bad["content"][0]["text"]
    e = error(await p.call("tools/call", {"name": "nope"}))
    assert e["code"] == -32602 and "'nope'" in e["message"]
    r = result(await p.call("tools/call", {"name": "fails", "arguments": {"kind": "tool"}}))
    assert r["isError"] and r["content"][0]["text"] == "bad kind, expected 'ok'"
    r = result(await p.call("tools/call", {"name": "fails", "arguments": {"kind": "x"}}))
    assert r["isError"] and "secret" not in r["content"][0]["text"]
    e = error(await p.call("logging/setLevel", {"level": "loud"}))
    assert e["code"] == -32602 and "debug, info" in e["message"] and "'loud'" in e["message"]
    e = error(await p.call("tools/list", {"cursor": "!!"}))
    assert e["code"] == -32602
    # a blocking sync tool does not stop the loop
    bid = await p.start("tools/call", {"name": "blocking"})
    assert "result" in await p.call("ping")
    release.set()
    assert result((await p.until(bid))[0])["content"][0]["text"] == "released"
    # a handler that never returns is cancelled by the client; no response, still serving
    fid = await p.start("tools/call", {"name": "forever"})
    await asyncio.sleep(0.01)
    assert len(p.session._handlers) == 1
    await p.send(
        {
            "jsonrpc": "2.0",
            "method": "notifications/cancelled",
            "params": {"requestId": fid, "reason": "bored"},
        }
    )
    for _ in range(5):
        await asyncio.sleep(0)
    assert p.session._handlers == {}
    assert result(await p.call("acme/echo", {"a": 1}))["echo"] == {"a": 1}
    e = error(await p.call("acme/unknown"))
    assert e["code"] == -32601
    e = error(await p.call("tools/call", {"name": "needs_url"}))
    assert e["code"] == -32042 and e["data"]["elicitations"][0]["url"].endswith("/a")
    await p.aclose()


async def test_missing_client_capabilities_message_names_the_field_once() -> None:
    p = Peer(Server("m", "1.0"))
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}
    e = error(await p.call("tools/list", {"_meta": meta}))
    assert e["message"] == (
        'Invalid params: missing _meta field "io.modelcontextprotocol/clientCapabilities"'
    )
    await p.aclose()


async def test_logging_and_progress_both_eras() -> None:
    server, _ = make()
    p = Peer(server)
    await p.init()
    assert result(await p.call("logging/setLevel", {"level": "info"})) == {}
    _resp, notes = await p.until(
        await p.start("tools/call", {"name": "chatty", "_meta": {"progressToken": 7}})
    )
    assert [n["method"] for n in notes] == ["notifications/message", "notifications/progress"]
    assert notes[0]["params"] == {"level": "warning", "data": {"w": 1}, "logger": "x"}
    assert notes[1]["params"] == {"progressToken": 7, "progress": 1, "total": 2, "message": "half"}
    q = Peer(server)
    _, notes = await q.until(await q.start("tools/call", {"name": "chatty"}, stateless=True))
    assert notes == []  # 2026-07-28: no logLevel in _meta, no logs; no token, no progress
    _, notes = await q.until(
        await q.start(
            "tools/call",
            {"name": "chatty"},
            stateless=True,
            **{"io.modelcontextprotocol/logLevel": "debug"},
        )
    )
    assert [n["params"]["level"] for n in notes] == ["debug", "warning"]
    await p.aclose()
    await q.aclose()


async def test_mrtr_stateless_rounds_and_tampering() -> None:
    server, _ = make()
    p = Peer(server)
    r1 = result(await p.call("tools/call", {"name": "ask"}, stateless=True))
    assert r1["resultType"] == "input_required" and list(r1["inputRequests"]) == ["who"]
    assert r1["inputRequests"]["who"]["params"]["mode"] == "form"
    answers = {"who": {"action": "accept", "content": {"n": "ann"}}}
    r2 = result(
        await p.call(
            "tools/call",
            {"name": "ask", "requestState": r1["requestState"], "inputResponses": answers},
            stateless=True,
        )
    )
    assert sorted(r2["inputRequests"]) == ["llm", "roots"]  # both at once
    more = {
        "roots": {"roots": [{"uri": "file:///a"}]},
        "llm": {"role": "assistant", "content": {"type": "text", "text": "x"}, "model": "m"},
    }
    r3 = result(
        await p.call(
            "tools/call",
            {"name": "ask", "requestState": r2["requestState"], "inputResponses": more},
            stateless=True,
        )
    )
    assert r3["resultType"] == "complete" and r3["content"][0]["text"] == "ann 1 m"
    forged = r2["requestState"][:-2] + ("AA" if not r2["requestState"].endswith("AA") else "BB")
    for state in (forged, "garbage", r2["requestState"] + "-TAMPERED"):
        e = error(
            await p.call(
                "tools/call",
                {"name": "ask", "requestState": state, "inputResponses": more},
                stateless=True,
            )
        )
        assert e == {"code": -32602, "message": "Invalid params: invalid requestState"}
    e = error(
        await p.call(
            "tools/call",
            {"name": "ask"},
            stateless=True,
            **{"io.modelcontextprotocol/clientCapabilities": {}},
        )
    )
    assert e["code"] == -32021 and e["data"] == {"requiredCapabilities": {"elicitation": {}}}
    bad = error(
        await p.call(
            "tools/call", {"name": "ask", "inputResponses": {"who": {"action": 3}}}, stateless=True
        )
    )
    assert bad["code"] == -32602 and "inputResponses['who']" in bad["message"]
    await p.aclose()


async def test_mrtr_expired_state(monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = make()
    p = Peer(server)
    r1 = result(await p.call("tools/call", {"name": "ask"}, stateless=True))
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10_000)
    e = error(
        await p.call(
            "tools/call", {"name": "ask", "requestState": r1["requestState"]}, stateless=True
        )
    )
    assert e["code"] == -32602 and "expired" in e["message"]
    await p.aclose()


async def test_mrtr_handshake_era_uses_requests() -> None:
    server, _ = make()
    p = Peer(server)
    await p.init()
    cid = await p.start("tools/call", {"name": "ask"})
    req = await p.recv()
    assert req["method"] == "elicitation/create" and req["params"]["message"] == "name?"
    await p.send(
        {"jsonrpc": "2.0", "id": req["id"], "result": {"action": "accept", "content": {"n": "bo"}}}
    )
    reqs = [await p.recv(), await p.recv()]
    assert sorted(r["method"] for r in reqs) == ["roots/list", "sampling/createMessage"]
    for r in reqs:
        res: dict[str, Any] = (
            {"roots": []}
            if r["method"] == "roots/list"
            else {"role": "assistant", "content": {"type": "text", "text": "x"}, "model": "m2"}
        )
        await p.send({"jsonrpc": "2.0", "id": r["id"], "result": res})
    resp, _ = await p.until(cid)
    assert result(resp)["content"][0]["text"] == "bo 0 m2"
    # requestState is never valid in the handshake era
    e = error(await p.call("tools/call", {"name": "ask", "requestState": "x"}))
    assert e["code"] == -32602
    await p.aclose()


def asking_server(**options: Any) -> Server:
    server = Server("mrtr", "1.0", **options)

    @server.tool()
    async def ask(ctx: Context) -> str:
        answer = await ctx.elicit("name?", {"type": "object", "properties": {}})
        return answer.action

    return server


async def second_round(server: Server) -> dict[str, Any]:
    p = Peer(server)
    r1 = result(await p.call("tools/call", {"name": "ask"}, stateless=True))
    assert r1["resultType"] == "input_required"
    (key,) = r1["inputRequests"]
    params = {
        "name": "ask",
        "requestState": r1["requestState"],
        "inputResponses": {key: {"action": "decline"}},
    }
    resp = await p.call("tools/call", params, stateless=True)
    await p.aclose()
    return resp


async def test_request_state_limits_are_options() -> None:
    ok = result(await second_round(asking_server()))
    assert ok["content"][0]["text"] == "decline"
    expired = error(await second_round(asking_server(request_state_ttl=-1.0)))
    assert expired["code"] == -32602 and "expired" in expired["message"]
    too_big = error(await second_round(asking_server(max_request_state_bytes=8)))
    assert too_big == {"code": -32602, "message": "Invalid params: invalid requestState"}


async def test_tool_list_changed_and_name_validation() -> None:
    server, _ = make()
    with pytest.raises(ValueError):
        server.add_tool(lambda: 1, name="bad name!")
    p = Peer(server)
    await p.init()
    server.remove_tool("add")
    server.add_tool(lambda: 1, name="one")
    assert (await p.recv())["method"] == "notifications/tools/list_changed"
    names = [x["name"] for x in result(await p.call("tools/list"))["tools"]]
    assert "add" not in names and "one" in names
    await p.aclose()


def test_run_names_the_transports_it_serves() -> None:
    server = Server("t")
    with pytest.raises(ValueError, match="one of 'stdio', 'streamable-http', 'sse', got 'tcp'"):
        server.run("tcp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not with legacy_sse=False"):
        server.run("sse", legacy_sse=False)
