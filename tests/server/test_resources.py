"""Resources, templates, prompts and completion over the raw JSON-RPC path, both eras,
including the errors a resource or prompt handler raises."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mcplite import Context, ResourceNotFound, Server, ToolError, types as t
from tests._server_peer import Peer, error, result


def make() -> Server:
    server = Server("res", "1.0", page_size=2)

    @server.resource("test://static", mime_type="text/plain", completions={})
    def static() -> str:
        """Static text."""
        return "hello"

    server.add_resource("test://bin", value=b"\x00\x01", name="bin")

    @server.resource(
        "test://t/{id}/data", mime_type="application/json", completions={"id": ["1", "12", "2"]}
    )
    async def tmpl(id: int, ctx: Context) -> dict[str, Any]:
        return {"id": id, "stateless": ctx.stateless}

    @server.resource("test://fail")
    def fail() -> str:
        raise RuntimeError("boom")

    @server.prompt(title="Greeter", completions={"lang": ["python", "perl", "go"]})
    def greet(name: str, lang: str = "python") -> str:
        """Greet someone."""
        return f"hi {name} in {lang}"

    @server.prompt()
    def pic(n: int) -> list[Any]:
        return [
            t.ImageContent(data="AA==", mime_type="image/png"),
            t.PromptMessage(role="assistant", content=t.TextContent(text=str(n + 1))),
        ]

    @server.completion(prompt="pic", argument="n")
    async def complete_n(value: str, context: dict[str, str]) -> list[str]:
        return [str(i) for i in range(150)]

    return server


@pytest.mark.parametrize("stateless", [False, True])
async def test_list_read_and_errors(stateless: bool) -> None:
    p = Peer(make())
    if not stateless:
        caps = result(await p.init())["capabilities"]
        assert caps["resources"] == {"subscribe": True, "listChanged": True}
        assert caps["prompts"] == {"listChanged": True} and caps["completions"] == {}
    s = stateless
    first = result(await p.call("resources/list", {}, s))
    assert [r["uri"] for r in first["resources"]] == ["test://static", "test://bin"]
    assert first["resources"][0]["description"] == "Static text."
    second = result(await p.call("resources/list", {"cursor": first["nextCursor"]}, s))
    assert second["resources"] == [] or "nextCursor" not in second
    bad = error(await p.call("resources/list", {"cursor": "nope"}, s))
    assert bad["code"] == -32602 and "cursor" in bad["message"]
    tl = result(await p.call("resources/templates/list", {}, s))
    assert tl["resourceTemplates"][0]["uriTemplate"] == "test://t/{id}/data"
    text = result(await p.call("resources/read", {"uri": "test://static"}, s))
    assert text["contents"] == [{"uri": "test://static", "mimeType": "text/plain", "text": "hello"}]
    blob = result(await p.call("resources/read", {"uri": "test://bin"}, s))["contents"][0]
    assert base64.b64decode(blob["blob"]) == b"\x00\x01"
    assert blob["mimeType"] == "application/octet-stream"
    data = result(await p.call("resources/read", {"uri": "test://t/5/data"}, s))["contents"][0]
    assert data["text"] == '{"id":5,"stateless":%s}' % ("true" if s else "false")
    bad = error(await p.call("resources/read", {"uri": "test://t/x/data"}, s))
    assert bad["code"] == -32602 and "Expected `int`, got `str`" in bad["message"]
    missing = error(await p.call("resources/read", {"uri": "test://nope"}, s))
    # -32002 up to 2025-11-25; SEP-2164 (2026-07-28) standardises -32602.
    assert missing == {
        "code": -32602 if s else -32002,
        "message": "Resource not found: test://nope",
        "data": {"uri": "test://nope"},
    }
    boom = error(await p.call("resources/read", {"uri": "test://fail"}, s))
    assert boom["code"] == -32603 and "boom" not in boom["message"]
    # still serving
    assert result(await p.call("resources/read", {"uri": "test://static"}, s))
    await p.aclose()


@pytest.mark.parametrize("stateless", [False, True])
async def test_prompts(stateless: bool) -> None:
    p = Peer(make())
    if not stateless:
        await p.init()
    s = stateless
    listed = result(await p.call("prompts/list", {}, s))["prompts"]
    assert listed[0] == {
        "name": "greet",
        "title": "Greeter",
        "description": "Greet someone.",
        "arguments": [{"name": "name", "required": True}, {"name": "lang", "required": False}],
    }
    got = result(await p.call("prompts/get", {"name": "greet", "arguments": {"name": "bo"}}, s))
    assert got["messages"] == [
        {"role": "user", "content": {"type": "text", "text": "hi bo in python"}}
    ]
    pic = result(await p.call("prompts/get", {"name": "pic", "arguments": {"n": "4"}}, s))
    assert pic["messages"][0]["content"]["type"] == "image"
    assert pic["messages"][1] == {"role": "assistant", "content": {"type": "text", "text": "5"}}
    e = error(await p.call("prompts/get", {"name": "greet"}, s))
    assert e["code"] == -32602 and "'name'" in e["message"]
    e = error(await p.call("prompts/get", {"name": "zz"}, s))
    assert e["code"] == -32602 and "unknown prompt 'zz'" in e["message"]
    e = error(await p.call("prompts/get", {"name": "pic", "arguments": {"n": "x"}}, s))
    assert e["code"] == -32602 and "Expected `int`" in e["message"]
    await p.aclose()


@pytest.mark.parametrize("stateless", [False, True])
async def test_completion(stateless: bool) -> None:
    p = Peer(make())
    if not stateless:
        await p.init()
    s = stateless

    async def complete(ref: dict[str, Any], name: str, value: str) -> dict[str, Any]:
        return await p.call(
            "completion/complete", {"ref": ref, "argument": {"name": name, "value": value}}, s
        )

    prompt = {"type": "ref/prompt", "name": "greet"}
    assert result(await complete(prompt, "lang", "p"))["completion"] == {
        "values": ["python", "perl"]
    }
    assert result(await complete(prompt, "name", "x"))["completion"] == {"values": []}
    tmpl = {"type": "ref/resource", "uri": "test://t/{id}/data"}
    assert result(await complete(tmpl, "id", "1"))["completion"]["values"] == ["1", "12"]
    many = result(await complete({"type": "ref/prompt", "name": "pic"}, "n", ""))["completion"]
    assert len(many["values"]) == 100 and many["total"] == 150 and many["hasMore"] is True
    e = error(await complete({"type": "ref/prompt", "name": "nope"}, "x", ""))
    assert e["code"] == -32602 and "'nope'" in e["message"]
    e = error(await complete({"type": "ref/resource", "uri": "test://none/{x}"}, "x", ""))
    assert e["code"] == -32602
    e = error(await complete(prompt, "bogus", ""))
    assert e["code"] == -32602 and "expected one of ['name', 'lang']" in e["message"]
    await p.aclose()


async def test_capabilities_exactly_what_is_registered() -> None:
    p = Peer(Server("bare", logging=False))
    caps = result(await p.init())["capabilities"]
    assert caps == {}
    e = error(await p.call("resources/list"))
    assert e["code"] == -32601
    await p.aclose()


def test_registration_errors() -> None:
    server = Server("x")
    with pytest.raises(TypeError, match="static URI has no variables"):
        server.add_resource("test://a", lambda x: x)
    with pytest.raises(TypeError, match="not a template variable"):
        server.add_resource("test://{a}", lambda b: b)
    with pytest.raises(ValueError):
        server.add_resource("test://{a", lambda a: a)
    with pytest.raises(TypeError, match="needs a function"):
        server.add_resource("test://{a}")
    with pytest.raises(TypeError, match="completion"):
        server.completion(prompt="x")(lambda v, c: [])


def failing_notes() -> Server:
    """Handlers that raise: ResourceNotFound and ToolError in a resource, ToolError in a prompt."""
    server = Server("fixes", "1.0")

    @server.resource("notes://{name}")
    def note(name: str) -> str:
        if name == "gone":
            raise ResourceNotFound(f"notes://{name}")
        if name == "locked":
            raise ToolError("note 'locked' is locked")
        return name

    @server.prompt()
    def strict(topic: str) -> str:
        raise ToolError(f"no prompt about {topic}")

    return server


@pytest.mark.parametrize("stateless", [False, True])
async def test_resource_handler_errors(stateless: bool) -> None:
    p = Peer(failing_notes())
    if not stateless:
        await p.init()
    ok = result(await p.call("resources/read", {"uri": "notes://a"}, stateless))
    assert ok["contents"][0]["text"] == "a"
    gone = error(await p.call("resources/read", {"uri": "notes://gone"}, stateless))
    assert gone == {
        "code": -32602 if stateless else -32002,
        "message": "Resource not found: notes://gone",
        "data": {"uri": "notes://gone"},
    }
    locked = error(await p.call("resources/read", {"uri": "notes://locked"}, stateless))
    assert locked["code"] == -32603 and locked["message"] == "note 'locked' is locked"
    await p.aclose()


@pytest.mark.parametrize("stateless", [False, True])
async def test_prompt_tool_error_keeps_its_message(stateless: bool) -> None:
    p = Peer(failing_notes())
    if not stateless:
        await p.init()
    e = error(
        await p.call("prompts/get", {"name": "strict", "arguments": {"topic": "x"}}, stateless)
    )
    assert e == {"code": -32603, "message": "no prompt about x"}
    await p.aclose()
