"""MUST lines of 2025-11-25 and 2026-07-28 the conformance suite does not check (issue 14
item 2 of this session's audit), seen on the wire of a real stdio server.

- progress.mdx: "The progress value MUST increase with each notification" and "Progress
  notifications MUST only reference tokens that ... are associated with an in-progress
  operation" / "MUST stop after completion";
- logging.mdx: "Servers that emit log message notifications MUST declare the logging
  capability";
- 2026-07-28 stdio.mdx: after notifications/cancelled the server "MUST NOT send any further
  messages for it".
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import mcplite
from mcplite import Context, Server, types as t

ROOT = str(Path(__file__).resolve().parents[2])
WAIT_SECONDS = 10.0

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, {root!r})
    from mcplite import Context, Server

    server = Server("musts", logging={logging})
    tasks = set()

    @server.tool()
    async def backwards(ctx: Context) -> str:
        await ctx.progress(5, 10)
        await ctx.progress(3, 10)
        return "unreachable"

    @server.tool()
    async def same(ctx: Context) -> str:
        await ctx.progress(1)
        await ctx.progress(1)
        return "unreachable"

    @server.tool()
    async def forward(ctx: Context) -> str:
        await ctx.progress(1, 3)
        await ctx.progress(2.5, 3)
        return "forward"

    @server.tool()
    async def logger(ctx: Context) -> str:
        await ctx.log("info", "hello")
        return "logged"

    @server.tool()
    async def late(ctx: Context) -> str:
        async def later() -> None:
            await asyncio.sleep(0.02)
            await ctx.progress(1, 2, "after the result")
            print("late progress sent", file=sys.stderr, flush=True)
        task = asyncio.get_running_loop().create_task(later())
        tasks.add(task)
        return "late"

    @server.tool()
    async def stubborn(ctx: Context) -> str:
        await ctx.progress(1, 3, "started")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await ctx.progress(2, 3, "after the cancel")
            print("cancelled", file=sys.stderr, flush=True)
            raise
        return "unreachable"

    asyncio.run(server.serve_stdio())
    """
)


class Wire:
    """A stdio server in a subprocess, driven line by line."""

    def __init__(self, tmp_path: Path, *, logging: bool = True) -> None:
        script = tmp_path / "server.py"
        script.write_text(SERVER.format(root=ROOT, logging=logging))
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.send(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "wire", "version": "1"},
                },
            }
        )
        self.init = self.read()
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def call(self, id: int, name: str, token: str | None = None) -> None:
        params: dict[str, Any] = {"name": name, "arguments": {}}
        if token is not None:
            params["_meta"] = {"progressToken": token}
        self.send({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the server closed stdout"
        message: dict[str, Any] = json.loads(line)
        return message

    def until_answer(self, id: int | str) -> list[dict[str, Any]]:
        """Every message up to and including the answer to ``id``."""
        seen = []
        while True:
            message = self.read()
            seen.append(message)
            if message.get("id") == id and "method" not in message:
                return seen

    def until_stderr(self, text: str) -> None:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline().decode()
            if text in line:
                return
            assert line, f"the server exited before printing {text!r}"
        raise AssertionError(f"the server did not print {text!r} within {WAIT_SECONDS} s")

    def close(self) -> list[dict[str, Any]]:
        """End stdin; every message the server wrote after that."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        rest = [json.loads(line) for line in self.proc.stdout.read().splitlines()]
        self.proc.wait(WAIT_SECONDS)
        return rest

    def dispose(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT_SECONDS)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def wire(tmp_path: Path) -> Any:
    w = Wire(tmp_path)
    yield w
    w.dispose()


def _progress(messages: list[dict[str, Any]]) -> list[float]:
    notes = [m for m in messages if m.get("method") == "notifications/progress"]
    return [m["params"]["progress"] for m in notes]


@pytest.mark.parametrize("tool", ["backwards", "same"])
def test_progress_that_does_not_increase_is_refused_not_sent(wire: Wire, tool: str) -> None:
    wire.call(1, tool, token="t")
    seen = wire.until_answer(1)
    assert len(_progress(seen)) == 1  # the first one only
    answer = seen[-1]["result"]
    # The handler got a ValueError naming the rule; the tool call reports it as a tool error.
    assert answer["isError"] is True
    wire.call(2, "forward", token="u")
    assert _progress(wire.until_answer(2)) == [1, 2.5]  # the session goes on


def test_progress_after_the_result_is_not_sent(wire: Wire) -> None:
    wire.call(1, "late", token="t")
    seen = wire.until_answer(1)
    assert _progress(seen) == []
    wire.until_stderr("late progress sent")  # the handler's task did call ctx.progress
    assert _progress(wire.close()) == []


def test_progress_after_a_cancel_is_not_sent(wire: Wire) -> None:
    wire.call(1, "stubborn", token="t")
    assert wire.read()["params"]["progress"] == 1
    wire.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
    wire.until_stderr("cancelled")
    rest = wire.close()
    # Neither the progress sent from the cancelled handler nor an answer for id 1.
    assert _progress(rest) == [] and all(m.get("id") != 1 for m in rest)


def test_a_duplicate_in_flight_id_is_refused_not_cross_wired(wire: Wire) -> None:
    # basic/index.mdx: a request id "MUST NOT" repeat one the sender has not had answered.
    wire.call(1, "stubborn", token="t")
    assert wire.read()["params"]["progress"] == 1
    wire.call(1, "forward")
    refusal = wire.read()
    assert refusal["id"] == 1 and refusal["error"]["code"] == -32600
    assert "id 1 is already in flight" in refusal["error"]["message"]
    # The string id "1" is another id (JSON-RPC ids compare by type and value).
    wire.send({"jsonrpc": "2.0", "id": "1", "method": "tools/call", "params": {"name": "forward"}})
    assert wire.until_answer("1")[-1]["result"]["content"][0]["text"] == "forward"
    # The first request is still the one in flight under id 1: its cancel reaches it.
    wire.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
    wire.until_stderr("cancelled")
    wire.call(2, "forward")
    assert wire.until_answer(2)[-1]["result"]["content"][0]["text"] == "forward"
    assert all(m.get("id") != 1 for m in wire.close())


def test_a_server_without_logging_sends_no_log_messages(tmp_path: Path) -> None:
    w = Wire(tmp_path, logging=False)
    try:
        assert "logging" not in w.init["result"]["capabilities"]
        w.call(1, "logger")
        seen = w.until_answer(1)
        assert seen[-1]["result"]["content"][0]["text"] == "logged"
        assert [m for m in seen if m.get("method") == "notifications/message"] == []
        assert [m for m in w.close() if m.get("method") == "notifications/message"] == []
    finally:
        w.dispose()


def test_a_server_with_logging_sends_them(wire: Wire) -> None:
    assert "logging" in wire.init["result"]["capabilities"]
    wire.call(1, "logger")
    messages = [m for m in wire.until_answer(1) if m.get("method") == "notifications/message"]
    assert [m["params"]["data"] for m in messages] == ["hello"]


# -- the client side of 2026-07-28 results -----------------------------------------------


def _weird_server(kind: str, method: str) -> Any:
    """A server whose first answer to ``method`` carries resultType ``kind``."""
    server = Server("weird")
    first = {method}

    @server.middleware
    async def replace(ctx: Any, call_next: Any) -> Any:
        result = await call_next()
        if ctx.method in first:
            first.discard(ctx.method)
            result.result_type = kind
        return result

    @server.tool()
    def anything() -> str:
        return "fine"

    return server


@pytest.mark.parametrize("method", ["tools/call", "tools/list"])
async def test_the_client_refuses_an_unknown_result_type(method: str) -> None:
    async with mcplite.connect(_weird_server("later", method)) as client:
        assert client.protocol_version == "2026-07-28"
        call = client.call_tool("anything") if method == "tools/call" else client.list_tools()
        with pytest.raises(mcplite.RemoteProtocolError, match="resultType 'later'"):
            await call
        # The session goes on; the next answers are "complete".
        assert (await client.call_tool("anything")).text == "fine"
        assert [tool.name for tool in (await client.list_tools()).tools] == ["anything"]


# -- roots (2025-11-25 client/roots.mdx: a root's uri "MUST be a file:// URI") -----------


def _roots_server() -> Any:
    server = Server("roots")

    @server.tool()
    async def roots(ctx: Context) -> str:
        listed = await ctx.list_roots()
        return ",".join(root.uri for root in listed.roots)

    return server


async def test_the_client_refuses_roots_that_are_not_file_uris() -> None:
    with pytest.raises(ValueError, match=r"file:// URI .*'https://example.com/x'"):
        async with mcplite.connect(_roots_server(), roots=[t.Root(uri="https://example.com/x")]):
            raise AssertionError("connected with a non-file root")
    async with mcplite.connect(_roots_server(), roots=[t.Root(uri="file:///ok")]) as client:
        with pytest.raises(ValueError, match="file:// URI"):
            await client.set_roots([t.Root(uri="http://nope/")])
        assert (await client.call_tool("roots")).text == "file:///ok"  # unchanged


@pytest.mark.parametrize("era", ["2025-11-25", None])
async def test_roots_from_a_callable_are_checked_when_asked(era: str | None) -> None:
    listed = [t.Root(uri="file:///fine")]
    async with mcplite.connect(_roots_server(), protocol_version=era, roots=lambda: listed) as c:
        assert (await c.call_tool("roots")).text == "file:///fine"
        listed.append(t.Root(uri="s3://bucket"))
        # The server's ctx.list_roots() got the client's -32603 naming the rule and the URI.
        with pytest.raises(mcplite.RPCError, match=r"file:// URI .*'s3://bucket'"):
            await c.call_tool("roots")
        listed.pop()
        assert (await c.call_tool("roots")).text == "file:///fine"  # the session goes on
