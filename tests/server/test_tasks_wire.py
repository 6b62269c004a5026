"""Tasks (io.modelcontextprotocol/tasks, SEP-2663), server side, on the raw wire."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import msgspec
import pytest
from msgspec import UNSET

from mcplite import Context, RPCError, Server, ToolError
from mcplite._core.tasks import TASKS_EXTENSION
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._server.tasks import MemoryTaskStore, TaskRecord, TaskStoreFull
from tests._server_peer import CAPS, Peer, error, result
from tests.server.test_streamable_http import post26

TASK_CAPS: dict[str, Any] = {**CAPS, "extensions": {TASKS_EXTENSION: {}}}


def make_server(**options: Any) -> Server:
    server = Server("tasks-wire", **options)

    @server.tool()
    def plain(n: int) -> str:
        return str(n)

    @server.tool(task_support="optional")
    async def slow(seconds: float = 0.0) -> str:
        await asyncio.sleep(seconds)
        return f"slept {seconds:g}"

    @server.tool(task_support="required")
    async def ask(ctx: Context) -> str:
        first, second = await asyncio.gather(
            ctx.elicit("One?", {"type": "object", "properties": {}}),
            ctx.elicit("Two?", {"type": "object", "properties": {}}),
        )
        return f"{first.action} {second.action}"

    @server.tool(task_support="optional")
    async def raises() -> str:
        raise ValueError("boom")

    @server.tool(task_support="optional")
    async def rpc_error() -> str:
        raise RPCError(-32603, "deliberate")

    @server.tool(task_support="optional")
    async def tool_error() -> str:
        raise ToolError("nope")

    return server


async def _task(peer: Peer, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    r = result(
        await peer.call(
            "tools/call",
            {"name": name, "arguments": args or {}},
            stateless=True,
            **{"io.modelcontextprotocol/clientCapabilities": TASK_CAPS},
        )
    )
    assert r["resultType"] == "task", r
    return r


async def _get(peer: Peer, task_id: str, caps: dict[str, Any] = TASK_CAPS) -> dict[str, Any]:
    return await peer.call(
        "tasks/get",
        {"taskId": task_id},
        stateless=True,
        **{"io.modelcontextprotocol/clientCapabilities": caps},
    )


async def _until_terminal(peer: Peer, task_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        state = result(await _get(peer, task_id))
        if state["status"] in ("completed", "failed", "cancelled"):
            return state
        assert asyncio.get_running_loop().time() < deadline, state
        await asyncio.sleep(0.01)


async def test_create_task_result_shape_and_inlined_outcomes() -> None:
    peer = Peer(make_server(task_poll_interval=0.25, task_ttl=60))
    try:
        created = await _task(peer, "slow", {"seconds": 0.01})
        assert set(created) >= {"taskId", "status", "createdAt", "lastUpdatedAt", "ttlMs"}
        assert created["status"] == "working" and created["ttlMs"] == 60_000
        assert created["pollIntervalMs"] == 250
        assert created["createdAt"].endswith("Z") and "result" not in created
        done = await _until_terminal(peer, created["taskId"])
        assert done["status"] == "completed" and done["resultType"] == "complete"
        assert done["result"]["content"][0]["text"] == "slept 0.01"
        # isError results are completed; protocol errors and raising handlers are failed.
        errored = await _until_terminal(peer, (await _task(peer, "tool_error"))["taskId"])
        assert errored["status"] == "completed" and errored["result"]["isError"] is True
        failed = await _until_terminal(peer, (await _task(peer, "rpc_error"))["taskId"])
        assert failed["status"] == "failed"
        assert failed["error"] == {"code": -32603, "message": "deliberate"}
        # A handler that raises ends the task like a synchronous call ends (a tool
        # execution error, isError), never a hung task.
        raised = await _until_terminal(peer, (await _task(peer, "raises"))["taskId"])
        assert raised["status"] == "completed" and raised["result"]["isError"] is True
    finally:
        await peer.aclose()


async def test_cancel_update_and_bad_input() -> None:
    server = make_server()
    peer = Peer(server)
    ext = {"io.modelcontextprotocol/clientCapabilities": TASK_CAPS}
    try:
        long = await _task(peer, "slow", {"seconds": 30})
        tid = long["taskId"]
        ack = result(await peer.call("tasks/cancel", {"taskId": tid}, stateless=True, **ext))
        assert ack.get("resultType", "complete") == "complete"
        assert result(await _get(peer, tid))["status"] == "cancelled"
        again = await peer.call("tasks/cancel", {"taskId": tid}, stateless=True, **ext)
        assert "result" in again  # idempotent on a terminal task
        # tasks/update on a task not waiting for input names its status.
        bad = error(
            await peer.call(
                "tasks/update", {"taskId": tid, "inputResponses": {}}, stateless=True, **ext
            )
        )
        assert bad["code"] == -32602 and "not waiting for input" in bad["message"]
        # Two pending elicitations; answer one (partial), then the other; unknown keys ignored.
        asked = (await _task(peer, "ask"))["taskId"]
        deadline = asyncio.get_running_loop().time() + 5
        while (state := result(await _get(peer, asked)))["status"] != "input_required" or len(
            state.get("inputRequests", {})
        ) < 2:
            assert asyncio.get_running_loop().time() < deadline, state
            await asyncio.sleep(0.01)
        keys = sorted(state["inputRequests"])
        answer = {"action": "accept", "content": {}}
        await peer.call(
            "tasks/update",
            {"taskId": asked, "inputResponses": {keys[0]: answer, "never-asked": answer}},
            stateless=True,
            **ext,
        )
        state = result(await _get(peer, asked))
        assert list(state["inputRequests"]) == [keys[1]]
        wrong = error(
            await peer.call(
                "tasks/update",
                {"taskId": asked, "inputResponses": {keys[1]: {"action": 7}}},
                stateless=True,
                **ext,
            )
        )
        assert wrong["code"] == -32602 and keys[1] in wrong["message"]
        await peer.call(
            "tasks/update",
            {"taskId": asked, "inputResponses": {keys[1]: {"action": "decline"}}},
            stateless=True,
            **ext,
        )
        done = await _until_terminal(peer, asked)
        assert done["result"]["content"][0]["text"] == "accept decline"
        # Unknown ids, and ids of another owner, answer the same -32602.
        unknown = error(await _get(peer, "no-such-task"))
        assert unknown["code"] == -32602
        other = Peer(server)
        try:
            foreign = error(await _get(other, tid))
            assert foreign["code"] == -32602
            assert foreign["message"].replace(tid, "X") == unknown["message"].replace(
                "no-such-task", "X"
            )
        finally:
            await other.aclose()
    finally:
        await peer.aclose()


async def test_negotiation_gates() -> None:
    peer = Peer(make_server())
    try:
        # Without the extension an optional tool runs synchronously; a required one is -32021.
        sync = result(
            await peer.call("tools/call", {"name": "slow", "arguments": {}}, stateless=True)
        )
        assert sync["content"][0]["text"] == "slept 0"
        required = error(
            await peer.call("tools/call", {"name": "ask", "arguments": {}}, stateless=True)
        )
        assert required["code"] == -32021
        assert required["data"] == {"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}
        gated = error(await _get(peer, "x", caps=CAPS))
        assert gated["code"] == -32021
        # Removed by SEP-2663: -32601.
        for method in ("tasks/result", "tasks/list"):
            gone = error(await peer.call(method, {"taskId": "x"}, stateless=True))
            assert gone["code"] == -32601, method
        # A legacy `task` param never makes a synchronous tool a task.
        legacy = result(
            await peer.call(
                "tools/call",
                {"name": "plain", "arguments": {"n": 3}, "task": {"ttl": 1000}},
                stateless=True,
                **{"io.modelcontextprotocol/clientCapabilities": TASK_CAPS},
            )
        )
        assert legacy["content"][0]["text"] == "3" and legacy.get("resultType") != "task"
    finally:
        await peer.aclose()


async def test_handshake_era_sessions_see_no_tasks() -> None:
    peer = Peer(make_server())
    try:
        await peer.init(caps={"extensions": {TASKS_EXTENSION: {}}})
        r = result(await peer.call("tools/call", {"name": "slow", "arguments": {}}))
        assert r["content"][0]["text"] == "slept 0"
        gone = error(await peer.call("tasks/get", {"taskId": "x"}))
        assert gone["code"] == -32601
    finally:
        await peer.aclose()


async def test_store_full_is_a_clear_error_and_running_tasks_stay() -> None:
    peer = Peer(make_server(max_tasks=1))
    try:
        first = await _task(peer, "slow", {"seconds": 30})
        full = error(
            await peer.call(
                "tools/call",
                {"name": "slow", "arguments": {"seconds": 30}},
                stateless=True,
                **{"io.modelcontextprotocol/clientCapabilities": TASK_CAPS},
            )
        )
        assert "task store is full" in full["message"] and "max_tasks" in full["message"]
        assert result(await _get(peer, first["taskId"]))["status"] == "working"
        await peer.call(
            "tasks/cancel",
            {"taskId": first["taskId"]},
            stateless=True,
            **{"io.modelcontextprotocol/clientCapabilities": TASK_CAPS},
        )
    finally:
        await peer.aclose()


async def test_memory_store_expires_only_terminal_records() -> None:
    store = MemoryTaskStore(max_tasks=2)

    def rec(task_id: str, status: str) -> TaskRecord:
        return TaskRecord(
            task_id=task_id,
            owner="o",
            status=status,
            created=0.0,
            updated=0.0,
            ttl_ms=1,
            poll_interval_ms=1,
        )

    await store.create(rec("a", "working"))
    await store.create(rec("b", "completed"))
    await store.create(rec("c", "working"))  # b expired and was reclaimed to make room
    assert await store.get("b") is None
    assert {r.task_id for r in await store.list_for_owner("o")} == {"a", "c"}
    with pytest.raises(TaskStoreFull, match="max_tasks"):
        await store.create(rec("d", "working"))
    assert await store.expire(1e12) == 0  # running records are never reclaimed


def test_a_finished_record_keeps_its_result_encoded_and_round_trips() -> None:
    # The result is kept as the JSON bytes tasks/get re-sends (msgspec.Raw), and a durable
    # store's encode/decode of the record keeps it a JSON object, not a string of JSON.
    body = b'{"content":[{"type":"text","text":"done"}],"resultType":"complete"}'
    record = TaskRecord(
        task_id="t",
        owner="o",
        status="completed",
        created=0.0,
        updated=1.0,
        ttl_ms=None,
        poll_interval_ms=1,
        result=msgspec.Raw(body),
    )
    encoded = msgspec.json.encode(record)
    assert msgspec.json.decode(encoded)["result"]["content"][0]["text"] == "done"
    back = msgspec.json.decode(encoded, type=TaskRecord)
    assert isinstance(back.result, msgspec.Raw) and bytes(back.result) == body
    wire = msgspec.json.decode(msgspec.json.encode(back.wire("complete")))
    assert wire["result"] == msgspec.json.decode(body)
    assert record.notification()["result"] == msgspec.json.decode(body)
    assert "resultType" not in record.notification()
    # A record not yet finished has no result at all (UNSET, left out of the JSON).
    assert "result" not in msgspec.json.decode(
        msgspec.json.encode(TaskRecord(**{**msgspec.structs.asdict(record), "result": UNSET}))
    )


@pytest.mark.parametrize("stateless", [False, True])
async def test_tasks_requests_over_http_need_mcp_name_equal_to_the_task_id(
    stateless: bool,
) -> None:
    # SEP-2663 "Streamable HTTP: Routing Headers": tasks/get, tasks/update and tasks/cancel
    # carry Mcp-Name = params.taskId (so a load balancer can route on it); the server
    # refuses a missing or different one like tools/call's (400, -32020, SEP-2243).
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": TASK_CAPS,
    }

    def rpc(id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": id, "method": method, "params": {**params, "_meta": meta}}

    async with StreamableHTTPServer(make_server(), stateless=stateless) as srv:

        def run() -> None:
            status, _, data = post26(
                srv.port,
                rpc(1, "tools/call", {"name": "slow", "arguments": {"seconds": 30}}),
                {"Mcp-Method": "tools/call", "Mcp-Name": "slow"},
            )
            assert status == 200, data
            task_id = json.loads(data)["result"]["taskId"]
            encoded = "=?base64?" + base64.b64encode(task_id.encode()).decode() + "?="
            for n, method in enumerate(("tasks/get", "tasks/update", "tasks/cancel")):
                body = rpc(10 + n, method, {"taskId": task_id, "inputResponses": {}})
                if method != "tasks/update":
                    del body["params"]["inputResponses"]
                for headers, why in (
                    ({"Mcp-Method": method}, f"Mcp-Name is required for {method}"),
                    (
                        {"Mcp-Method": method, "Mcp-Name": "another-task"},
                        f"Mcp-Name header value 'another-task' does not match body value "
                        f"{task_id!r}",
                    ),
                ):
                    status, _, data = post26(srv.port, body, headers)
                    error = json.loads(data)["error"]
                    assert status == 400 and error["code"] == -32020, (method, data)
                    assert why in error["message"] and json.loads(data)["id"] == 10 + n
                for name in (task_id, encoded):
                    status, _, data = post26(
                        srv.port, body, {"Mcp-Method": method, "Mcp-Name": name}
                    )
                    answer = json.loads(data)
                    if method == "tasks/update":  # past the headers: the task is not asking
                        assert answer["error"]["code"] == -32602, data
                        assert "not waiting for input" in answer["error"]["message"]
                    else:
                        assert status == 200 and "result" in answer, data
            status, _, data = post26(
                srv.port,
                rpc(20, "tasks/get", {"taskId": task_id}),
                {"Mcp-Method": "tasks/get", "Mcp-Name": task_id},
            )
            assert json.loads(data)["result"]["status"] == "cancelled"

        await asyncio.to_thread(run)
