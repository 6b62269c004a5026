"""Streamable HTTP server on loopback, driven with the stdlib http.client."""

from __future__ import annotations

import asyncio
import http.client
import json
import sys
from typing import Any

from mcplite._core.sending import UNUSED
from mcplite._server.context import Context
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer, close_sse_stream

ACCEPT = "application/json, text/event-stream"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def make_server() -> Server:
    server = Server("t", "1.0")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    @server.tool()
    async def chatty(ctx: Context) -> str:
        await ctx.log("info", "working")
        return "done"

    @server.tool()
    async def reconnect(ctx: Context) -> str:
        close_sse_stream(ctx, retry_ms=10)
        await asyncio.sleep(0.02)
        return "after reconnect"

    return server


class Client:
    def __init__(self, port: int) -> None:
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        self.sid: str | None = None

    def __del__(self) -> None:
        self.c.close()

    def call(
        self,
        method: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        h = {"Content-Type": "application/json", "Accept": ACCEPT}
        if self.sid:
            h["Mcp-Session-Id"] = self.sid
            h["MCP-Protocol-Version"] = "2025-11-25"
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v}
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        self.c.request(method, "/mcp", data, h)
        r = self.c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

    def init(self) -> None:
        status, h, _ = self.call("POST", INIT)
        assert status == 200
        self.sid = h["mcp-session-id"]
        assert (
            self.call("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"})[0] == 202
        )


def events(data: bytes) -> list[dict[str, Any]]:
    out = []
    for block in data.decode().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: ") and line[6:]:
                out.append(json.loads(line[6:]))
    return out


def tool(name: str, id: int = 2, **args: Any) -> dict[str, Any]:
    params = {"name": name, "arguments": args}
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}


async def test_session_sse_default_and_delete() -> None:
    async with StreamableHTTPServer(make_server()) as srv:

        def run() -> None:
            c = Client(srv.port)
            c.init()
            assert len(c.sid or "") >= 32
            status, h, data = c.call("POST", tool("echo", text="hi"))
            assert status == 200 and h["content-type"] == "text/event-stream"
            assert data.startswith(b"id: ")  # SEP-1699 priming event
            assert events(data)[-1]["result"]["content"][0]["text"] == "hi"
            _, _, data = c.call("POST", tool("chatty", id=3))
            msgs = events(data)
            assert msgs[0]["method"] == "notifications/message" and msgs[-1]["id"] == 3
            assert c.call("DELETE")[0] == 204
            assert c.call("POST", tool("echo", id=4, text="x"))[0] == 404

        await asyncio.to_thread(run)


async def test_json_mode_upgrades_to_sse_only_when_needed() -> None:
    async with StreamableHTTPServer(make_server(), json_response=True) as srv:

        def run() -> None:
            c = Client(srv.port)
            c.init()
            _status, h, data = c.call("POST", tool("echo", text="hi"))
            assert h["content-type"] == "application/json" and "content-length" in h
            assert json.loads(data)["result"]["content"][0]["text"] == "hi"
            _, h, data = c.call("POST", tool("chatty", id=5))
            assert h["content-type"] == "text/event-stream"
            assert [m.get("method") for m in events(data)] == ["notifications/message", None]

        await asyncio.to_thread(run)


async def test_close_sse_stream_and_last_event_id_replay() -> None:
    async with StreamableHTTPServer(make_server()) as srv:

        def run() -> None:
            c = Client(srv.port)
            c.init()
            c.c.request(
                "POST",
                "/mcp",
                json.dumps(tool("reconnect", id=7)),
                {
                    "Content-Type": "application/json",
                    "Accept": ACCEPT,
                    "Mcp-Session-Id": c.sid or "",
                },
            )
            r = c.c.getresponse()
            try:
                got = r.read()
            except http.client.IncompleteRead as exc:
                got = exc.partial
            assert b"retry: 10" in got
            last = [ln[4:] for ln in got.decode().split("\n") if ln.startswith("id: ")][-1]
            c2 = Client(srv.port)
            c2.sid = c.sid
            import time

            time.sleep(0.04)
            status, _, data = c2.call("GET", headers={"Last-Event-ID": last, "Accept": ACCEPT})
            assert status == 200
            assert events(data)[-1]["result"]["content"][0]["text"] == "after reconnect"
            status, _, _ = c2.call("GET", headers={"Last-Event-ID": "99_0"})
            assert status == 400

        await asyncio.to_thread(run)


async def test_standalone_get_stream_gets_list_changed() -> None:
    server = make_server()
    async with StreamableHTTPServer(server) as srv:
        c = Client(srv.port)
        await asyncio.to_thread(c.init)
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(
            b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            b"Mcp-Session-Id: %s\r\n\r\n" % (c.sid or "").encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.01)
        # A second GET stream on the same session conflicts.
        assert (await asyncio.to_thread(c.call, "GET"))[0] == 409

        async def nothing() -> None:
            return None

        server.add_tool(nothing)
        data = b""
        while b"list_changed" not in data:
            data += await asyncio.wait_for(reader.read(1000), 2)
        writer.close()


async def test_bad_requests() -> None:
    async with StreamableHTTPServer(make_server(), max_body_bytes=10_000) as srv:

        def run() -> None:
            c = Client(srv.port)
            assert c.call("POST", tool("echo", text="x"))[0] == 400  # no session id
            c.init()
            cases: list[tuple[str, dict[str, str], bytes | None, int]] = [
                ("POST", {"Content-Type": "text/plain"}, b"{}", 415),
                ("POST", {"Accept": "text/html"}, b"{}", 406),
                ("POST", {}, b"{not json", 400),
                ("POST", {}, b"\xff\xfe", 400),
                ("POST", {}, b"[" * 5000 + b"]" * 5000, 400),
                ("POST", {}, b"x" * 20_000, 413),
                ("POST", {}, b"42", 400),
                ("POST", {"Mcp-Session-Id": "nope"}, json.dumps(tool("echo")).encode(), 404),
                (
                    "POST",
                    {"MCP-Protocol-Version": "1999-01-01"},
                    b'{"jsonrpc":"2.0","id":9,"method":"ping"}',
                    400,
                ),
                ("PUT", {}, b"", 405),
                ("GET", {"Accept": "application/json"}, None, 406),
                ("GET", {"Mcp-Session-Id": ""}, None, 400),
                ("POST", {"Origin": "http://evil.example"}, b"{}", 403),
                ("POST", {"Host": "evil.example:80"}, b"{}", 403),
            ]
            for method, headers, body, want in cases:
                c2 = Client(srv.port)
                c2.sid = c.sid
                status, _, data = c2.call(method, headers=headers, raw=body)
                assert status == want, (method, headers, body and body[:20], status, data)
                if status not in (405, 413):
                    assert "error" in json.loads(data)
            c.c.request("GET", "/other")
            r = c.c.getresponse()
            assert r.status == 404 and b"/mcp" in r.read()
            status, _, data = c.call("POST", tool("echo", id=11, text="still fine"))
            assert status == 200 and b"still fine" in data

        await asyncio.to_thread(run)


async def test_hostile_json_gets_400_with_a_parse_error() -> None:
    # 100,000 levels deep used to get a 500; invalid UTF-8 inside params used to be served.
    deep = b"[" * 100_000 + b"]" * 100_000
    bodies = {
        b'{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":' + deep + b"}}": "128 levels",
        b'{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"\xff"}}': "invalid UTF-8",
    }
    async with StreamableHTTPServer(make_server()) as srv:

        def run() -> None:
            c = Client(srv.port)
            c.init()
            for body, words in bodies.items():
                status, _, data = c.call("POST", raw=body)
                error = json.loads(data)["error"]
                assert (status, error["code"]) == (400, -32700) and words in error["message"]
            status, _, data = c.call("POST", tool("echo", id=11, text="still fine"))
            assert status == 200 and b"still fine" in data

        await asyncio.to_thread(run)


def post26(port: int, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    c = Client(port)
    h = {"MCP-Protocol-Version": "2026-07-28", **headers}
    return c.call("POST", body, h)


async def test_2026_era_headers_and_status_mapping() -> None:
    async with StreamableHTTPServer(make_server()) as srv:

        def run() -> None:
            call = tool("echo", id=20, text="hi")
            call["params"]["_meta"] = META
            ok = {"Mcp-Method": "tools/call", "Mcp-Name": "echo"}
            status, h, data = post26(srv.port, call, ok)
            assert status == 200 and "mcp-session-id" not in h
            assert json.loads(data)["result"]["resultType"] == "complete"
            b64 = {"Mcp-Method": "tools/call", "Mcp-Name": "=?base64?ZWNobw==?="}
            assert post26(srv.port, call, b64)[0] == 200
            for bad in (
                {"Mcp-Method": "tools/list", "Mcp-Name": "echo"},
                {"Mcp-Method": "tools/call", "Mcp-Name": "other"},
                {"Mcp-Method": "tools/call"},
                {"Mcp-Name": "echo"},
            ):
                status, _, data = post26(srv.port, call, bad)
                assert status == 400 and json.loads(data)["error"]["code"] == -32020
                assert json.loads(data)["id"] == 20
            unknown = {"jsonrpc": "2.0", "id": 21, "method": "nope/x", "params": {"_meta": META}}
            status, _, data = post26(srv.port, unknown, {"Mcp-Method": "nope/x"})
            assert status == 404 and json.loads(data)["error"]["code"] == -32601
            mismatch = dict(
                call,
                params=dict(
                    call["params"],
                    _meta=dict(META, **{"io.modelcontextprotocol/protocolVersion": "2025-11-25"}),
                ),
            )
            status, _, data = post26(srv.port, mismatch, ok)
            assert status == 400 and json.loads(data)["error"]["code"] == -32020
            chatty = tool("chatty", id=22)
            chatty["params"]["_meta"] = dict(META, **{"io.modelcontextprotocol/logLevel": "debug"})
            status, h, data = post26(
                srv.port, chatty, {"Mcp-Method": "tools/call", "Mcp-Name": "chatty"}
            )
            assert h["content-type"] == "text/event-stream"
            assert events(data)[-1]["result"]["content"][0]["text"] == "done"

        await asyncio.to_thread(run)


async def test_stateless_mode() -> None:
    async with StreamableHTTPServer(make_server(), stateless=True) as srv:

        def run() -> None:
            c = Client(srv.port)
            status, h, data = c.call("POST", tool("echo", id=1, text="a"))
            assert status == 200 and "mcp-session-id" not in h
            assert events(data)[-1]["result"]["content"][0]["text"] == "a"
            assert c.call("GET")[0] == 405
            assert c.call("DELETE")[0] == 405
            status, _, _ = c.call("POST", {"jsonrpc": "2.0", "method": "notifications/x"})
            assert status == 202

        await asyncio.to_thread(run)
        await asyncio.sleep(0.01)
        assert not srv.app.server.sessions


async def test_session_cap_evicts_and_idle_timeout() -> None:
    async with StreamableHTTPServer(
        make_server(), max_sessions=1, session_idle_timeout=0.02
    ) as srv:

        def run() -> None:
            first = Client(srv.port)
            first.init()
            Client(srv.port).init()  # the table is full: the idle first session makes room
            status, _, data = first.call("POST", tool("echo", text="x"))
            assert status == 404, data

        await asyncio.to_thread(run)
        await asyncio.sleep(0.05)
        assert not srv.app.sessions
        await asyncio.to_thread(lambda: Client(srv.port).init())


async def test_an_idle_session_holds_no_task_event_or_queue_block() -> None:
    # Memory per idle session (issue 15): an idle HTTP session is a record.  Before, each
    # had a reader task (its coroutine frames and future), an asyncio.Event for `closed`
    # and a deque for its inbox (760 bytes each), and an empty set for background tasks.
    async with StreamableHTTPServer(make_server(), json_response=True) as srv:
        c = Client(srv.port)
        await asyncio.to_thread(c.init)
        status, _, data = await asyncio.to_thread(c.call, "POST", tool("echo", text="hi"))
        assert status == 200 and json.loads(data)["result"]["content"][0]["text"] == "hi"
        assert c.sid is not None
        sess = srv.app.sessions[c.sid]
        session = sess.session
        assert session._reader is None and session._handed
        assert session._closed is None and not session.is_closed
        assert session._background is None
        assert session._handlers is UNUSED and session.protocol._pending is UNUSED
        assert sess._drainer is None and sess._barrier is None and sess._waiter is None
        assert sess._inbox == [] and type(sess._inbox) is list
        assert not hasattr(sess, "__dict__")  # slots: no ~300-byte instance dict
        # Its tables of in-flight requests and resumable streams gave their tables back.
        assert sess.routes == {} and sess.streams == {} and sess.standalone_if_any is None
        assert sys.getsizeof(sess.routes) == sys.getsizeof(sess.streams) == sys.getsizeof({})
        mine = [
            t for t in asyncio.all_tasks() if "Session" in getattr(t.get_coro(), "__qualname__", "")
        ]
        assert mine == []
        # Closing still works, and `closed` made afterwards is already set.
        assert (await asyncio.to_thread(c.call, "DELETE"))[0] == 204
        assert session.is_closed and session.closed.is_set()
        await asyncio.wait_for(session.wait_closed(), 5)
