"""Server->client input respects what the client declared (issue 14 items 2, 3 and 5)."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import pytest
from msgspec import UNSET

import mcplite
from mcplite import ClientCapabilityError, Context, Server, types as t
from mcplite._server.streamable_run import StreamableHTTPServer


async def _form(p: t.ElicitParams) -> t.ElicitResult:
    return t.ElicitResult(action="accept", content={"name": "ada"})


async def _sample(p: t.CreateMessageParams) -> t.CreateMessageResult:
    tools = "no tools" if p.tools is UNSET else "tools"
    return t.CreateMessageResult(role="assistant", content=t.TextContent(text=tools), model="m")


def build() -> Server:
    server = Server("input")

    async def guarded(coro: Any) -> str:
        try:
            result = await coro
        except ClientCapabilityError as exc:
            return f"refused {exc.code}: {exc.message}"
        return f"ok: {result}"

    @server.tool()
    async def url(ctx: Context) -> str:
        return await guarded(ctx.elicit_url("Sign in", "https://example.com/a", "e1"))

    @server.tool()
    async def form(ctx: Context) -> str:
        return await guarded(ctx.elicit("Name?", {"type": "object", "properties": {}}))

    @server.tool()
    async def sample_tools(ctx: Context) -> str:
        tool = t.Tool(name="x", input_schema={"type": "object"})
        return await guarded(ctx.sample("hi", tools=[tool]))

    @server.tool()
    async def sample_context(ctx: Context) -> str:
        return await guarded(ctx.sample("hi", include_context="thisServer"))

    return server


async def _text(client: mcplite.Client, tool: str) -> str:
    result = await client.call_tool(tool)
    block = result.content[0]
    assert isinstance(block, t.TextContent)
    return block.text


@pytest.mark.parametrize("era", ["2025-11-25", None])
async def test_no_url_elicitation_to_a_form_only_client(era: str | None) -> None:
    async with mcplite.connect(build(), protocol_version=era, elicitation=_form) as client:
        text = await _text(client, "url")
        version = client.protocol_version
        assert f"the client did not declare elicitation.url ({version} client/elicitation)" in text
        assert text.startswith("refused -32021" if era is None else "refused -32600")
        assert (await _text(client, "form")).startswith("ok:")


async def test_no_url_elicitation_before_2025_11_25() -> None:
    async with mcplite.connect(
        build(), protocol_version="2025-06-18", elicitation=_form, elicitation_modes=("form", "url")
    ) as client:
        text = await _text(client, "url")
        assert "URL-mode elicitation does not exist in protocol version 2025-06-18" in text


async def test_no_form_elicitation_to_a_url_only_client() -> None:
    async with mcplite.connect(
        build(), protocol_version="2025-11-25", elicitation=_form, elicitation_modes=("url",)
    ) as client:
        assert "did not declare elicitation.form" in await _text(client, "form")


@pytest.mark.parametrize("era", ["2025-11-25", None])
async def test_sampling_tools_and_context_need_their_sub_capabilities(era: str | None) -> None:
    async with mcplite.connect(build(), protocol_version=era, sampling=_sample) as client:
        version = client.protocol_version
        text = await _text(client, "sample_tools")
        assert f"did not declare sampling.tools ({version} client/sampling)" in text
        text = await _text(client, "sample_context")
        assert f"did not declare sampling.context ({version} client/sampling)" in text
    async with mcplite.connect(
        build(), protocol_version=era, sampling=_sample, sampling_tools=True, sampling_context=True
    ) as client:
        text = await _text(client, "sample_tools")
        assert text.startswith("ok:") and "text='tools'" in text
        assert (await _text(client, "sample_context")).startswith("ok:")


async def test_include_context_needs_no_capability_before_2025_11_25() -> None:
    async with mcplite.connect(build(), protocol_version="2025-06-18", sampling=_sample) as client:
        assert (await _text(client, "sample_context")).startswith("ok:")


async def test_2026_refusal_carries_the_required_capability_path() -> None:
    server = Server("s")

    @server.tool()
    async def url(ctx: Context) -> str:
        await ctx.elicit_url("Sign in", "https://example.com/a", "e1")
        return "never"

    async with mcplite.connect(server, elicitation=_form) as client:
        with pytest.raises(mcplite.RPCError) as info:
            await client.call_tool("url")
    assert info.value.code == -32021
    assert info.value.data == {"requiredCapabilities": {"elicitation": {"url": {}}}}


async def test_stateless_http_with_a_handshake_client_says_why_there_is_no_input() -> None:
    server = Server("s")

    @server.tool()
    async def ask(ctx: Context) -> str:
        await ctx.elicit("Name?")
        return "never"

    async with StreamableHTTPServer(server, stateless=True) as srv:
        async with mcplite.connect(
            f"http://127.0.0.1:{srv.port}/mcp", protocol_version="2025-11-25", elicitation=_form
        ) as client:
            with pytest.raises(mcplite.RPCError) as info:
                await client.call_tool("ask")
        # Not -32021 (2026-07-28 only) and not "the client did not declare": it did.
        assert info.value.code == -32600
        assert "stateless HTTP" in info.value.message
        assert "no back-channel" in info.value.message
        assert "2026-07-28" in info.value.message and "stateful session" in info.value.message

        # A 2026-07-28 client gets its input through input_required results.
        @server.tool()
        async def ask2(ctx: Context) -> str:
            answer = await ctx.elicit("Name?")
            return str((answer.content or {}).get("name"))

        async with mcplite.connect(f"http://127.0.0.1:{srv.port}/mcp", elicitation=_form) as c2:
            assert await _text(c2, "ask2") == "ada"


# ------------------------------------------------------------------ item 3: elicitation


SCHEMA = {
    "type": "object",
    "properties": {
        "color": {"type": "string", "enum": ["red", "blue"]},
        "age": {"type": "integer", "minimum": 18},
        "name": {"type": "string"},
    },
    "required": ["name"],
}


def elicit_server(schema: Any = SCHEMA) -> Server:
    server = Server("elicit")

    @server.tool()
    async def ask(ctx: Context) -> str:
        try:
            answer = await ctx.elicit("Tell me", schema)
        except mcplite.ProtocolError as exc:
            return f"{type(exc).__name__}: {exc.message}"
        return f"trusted: {answer.content}"

    return server


@pytest.mark.parametrize("era", ["2025-11-25", None])
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"name": "a", "color": "green"}, "$.color"),
        ({"name": "a", "age": 3}, "$.age"),
        ({"name": 7}, "$.name"),
        ({"color": "red"}, "name"),
    ],
)
async def test_an_answer_outside_the_schema_is_an_error_not_data(
    era: str | None, content: dict[str, Any], problem: str
) -> None:
    async def answer(p: t.ElicitParams) -> t.ElicitResult:
        return t.ElicitResult(action="accept", content=content)

    async with mcplite.connect(elicit_server(), protocol_version=era, elicitation=answer) as c:
        text = await _text(c, "ask")
    assert text.startswith("RemoteProtocolError: Invalid params: the client's answer"), text
    assert problem in text and "2025-11-25 client/elicitation" in text


async def test_a_valid_answer_is_trusted_and_decline_needs_no_content() -> None:
    async def answer(p: t.ElicitParams) -> t.ElicitResult:
        return t.ElicitResult(action="accept", content={"name": "a", "age": 30, "color": "red"})

    async with mcplite.connect(elicit_server(), elicitation=answer) as c:
        assert (await _text(c, "ask")).startswith("trusted:")

    async def decline(p: t.ElicitParams) -> t.ElicitResult:
        return t.ElicitResult(action="decline")

    async with mcplite.connect(elicit_server(), elicitation=decline) as c:
        assert await _text(c, "ask") == "trusted: UNSET"


@pytest.mark.parametrize("era", ["2025-11-25", None])
@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (
            {"type": "object", "properties": {"addr": {"type": "object", "properties": {}}}},
            "property 'addr' is a nested object",
        ),
        (
            {
                "type": "object",
                "properties": {"xs": {"type": "array", "items": {"type": "object"}}},
            },
            "property 'xs' is an array of something other than enum values",
        ),
        ({"type": "object", "properties": {"r": {"$ref": "#/$defs/R"}}}, "property 'r' uses $ref"),
        ({"type": "array"}, "requestedSchema must be"),
    ],
)
async def test_a_non_flat_schema_is_refused_when_the_handler_asks(
    era: str | None, schema: dict[str, Any], problem: str
) -> None:
    asked: list[t.ElicitParams] = []

    async def answer(p: t.ElicitParams) -> t.ElicitResult:
        asked.append(p)
        return t.ElicitResult(action="decline")

    async with mcplite.connect(
        elicit_server(schema), protocol_version=era, elicitation=answer
    ) as c:
        text = await _text(c, "ask")
    assert text.startswith("LocalProtocolError: cannot elicit: "), text
    assert problem in text
    assert asked == []  # never sent


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Form(msgspec.Struct):
    name: str
    nick: str | None = None
    color: Color = Color.RED


async def test_a_schema_from_a_type_is_sent_in_the_flat_form() -> None:
    seen: list[Any] = []

    async def answer(p: t.ElicitParams) -> t.ElicitResult:
        seen.append(p.requested_schema)
        return t.ElicitResult(action="accept", content={"name": "a", "color": "blue"})

    async with mcplite.connect(elicit_server(Form), elicitation=answer) as c:
        assert (await _text(c, "ask")).startswith("trusted:")
    assert seen == [
        {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "nick": {"type": "string"},
                "color": {"type": "string", "enum": ["blue", "red"], "default": "red"},
            },
            "required": ["name"],
        }
    ]


@pytest.mark.parametrize("era", ["2025-03-26", "2024-11-05"])
async def test_input_a_revision_lacks_is_refused_even_if_the_client_declared_it(
    era: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Go SDK's client declares elicitation in 2025-03-26, which has no such method; the
    # handler must get the capability refusal naming the revision, not "internal error".
    import mcplite._client.client as client_module

    monkeypatch.setattr(client_module, "for_client", lambda caps, version: caps)
    async with mcplite.connect(build(), protocol_version=era, elicitation=_form) as client:
        assert client.capabilities().elicitation is not UNSET
        text = await _text(client, "form")
    assert text.startswith("refused -32600"), text
    assert (
        f"elicitation/create was added in protocol version 2025-06-18; this session speaks {era}"
        in text
    )
