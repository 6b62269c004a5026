"""The server the official MCP conformance suite expects ("everything server").

Tools, resources, templates and prompts as listed by the suite's server scenarios (and the
Go SDK's conformance/everything-server, which mirrors the TypeScript one).

    python tests/conformance/everything_server.py --stdio
    python tests/conformance/everything_server.py --http 127.0.0.1:3000 [--stateless]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from typing import Any

import msgspec

from mcplite import INTERNAL_ERROR, Context, RPCError, Server, ToolError, types as t

SERVER_NAME = "mcp-conformance-test-server"
WATCHED_URI = "test://watched-resource"
WATCH_INTERVAL_SECONDS = 3.0
TASK_FIXTURE_DELAY_SECONDS = 0.3  # failing_job & co. fail "after a moment"
# A 1x1 PNG and a minimal (empty) WAV file.
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0g"
    "AAAABJRU5ErkJggg=="
)
WAV_B64 = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="
MISSING_SAMPLING = -32021

JSON_SCHEMA_2020_12: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}

SEP1034_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "default": "John Doe"},
        "age": {"type": "integer", "default": 30},
        "score": {"type": "number", "default": 95.5},
        "status": {
            "type": "string",
            "enum": ["active", "inactive", "pending"],
            "default": "active",
        },
        "verified": {"type": "boolean", "default": True},
    },
}

SEP1330_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
        "titledSingle": {
            "type": "string",
            "oneOf": [
                {"const": "value1", "title": "First Option"},
                {"const": "value2", "title": "Second Option"},
                {"const": "value3", "title": "Third Option"},
            ],
        },
        "legacyEnum": {
            "type": "string",
            "enum": ["opt1", "opt2", "opt3"],
            "enumNames": ["Option One", "Option Two", "Option Three"],
        },
        "untitledMulti": {
            "type": "array",
            "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
        },
        "titledMulti": {
            "type": "array",
            "items": {
                "anyOf": [
                    {"const": "value1", "title": "First Choice"},
                    {"const": "value2", "title": "Second Choice"},
                    {"const": "value3", "title": "Third Choice"},
                ]
            },
        },
    },
}


def _obj(**props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props)}


def _text(result: t.CreateMessageResult) -> str:
    content = result.content
    block = content[0] if isinstance(content, list) and content else content
    return getattr(block, "text", "")


def _elicit_text(prefix: str, r: t.ElicitResult) -> str:
    content = None if r.content is msgspec.UNSET else r.content
    return f"{prefix}: action={r.action}, content={json.dumps(content)}"


def _roots_text(r: t.ListRootsResult) -> str:
    listed = ", ".join(root.uri for root in r.roots)
    return f"Client exposed {len(r.roots)} root(s): {listed}"


def _user(text: str) -> t.SamplingMessage:
    return t.SamplingMessage(role="user", content=t.TextContent(text=text))


def build_server() -> Server:
    server = Server(SERVER_NAME, "1.0.0")
    tool = server.tool

    # -- content ----------------------------------------------------------------------

    @tool()
    def test_simple_text() -> t.TextContent:
        """Returns a simple text response."""
        return t.TextContent(text="This is a simple text response for testing.")

    @tool()
    def test_image_content() -> t.ImageContent:
        """Returns a 1x1 PNG image."""
        return t.ImageContent(data=PNG_B64, mime_type="image/png")

    @tool()
    def test_audio_content() -> t.AudioContent:
        """Returns a minimal WAV file."""
        return t.AudioContent(data=WAV_B64, mime_type="audio/wav")

    @tool()
    def test_embedded_resource() -> t.EmbeddedResource:
        """Returns an embedded text resource."""
        return t.EmbeddedResource(
            resource=t.TextResourceContents(
                uri="test://embedded-resource",
                mime_type="text/plain",
                text="This is an embedded resource",
            )
        )

    @tool()
    def test_multiple_content_types() -> t.CallToolResult:
        """Returns text, an image and an embedded resource."""
        return t.CallToolResult(
            content=[
                t.TextContent(text="This is text content"),
                t.ImageContent(data=PNG_B64, mime_type="image/png"),
                t.EmbeddedResource(
                    resource=t.TextResourceContents(
                        uri="test://embedded-in-multiple",
                        mime_type="text/plain",
                        text="Embedded resource in multiple content types",
                    )
                ),
            ]
        )

    # -- utilities --------------------------------------------------------------------

    @tool()
    async def test_tool_with_logging(ctx: Context) -> str:
        """Sends three info log messages while it runs."""
        for i, text in enumerate(
            ("Tool execution started", "Tool processing data", "Tool execution completed")
        ):
            if i:
                await asyncio.sleep(0.05)
            await ctx.log("info", text)
        return "Tool with logging executed successfully"

    @tool()
    async def test_tool_with_progress(ctx: Context) -> str:
        """Reports progress 0, 50, 100 of 100."""
        for i, value in enumerate((0, 50, 100)):
            if i:
                await asyncio.sleep(0.05)
            await ctx.progress(value, 100, f"Completed step {value} of 100")
        return str(ctx.progress_token)

    @tool()
    def test_error_handling() -> str:
        """Always fails."""
        raise ToolError("This tool intentionally returns an error for testing")

    @tool()
    async def test_logging_tool(ctx: Context) -> str:
        """Logs once at info (2026-07-28: only if the request asked for a log level)."""
        await ctx.log("info", "test_logging_tool called")
        return "logged"

    @tool()
    async def test_reconnection() -> str:
        """Returns after a short delay (the HTTP transport may close the stream meanwhile)."""
        await asyncio.sleep(0.1)
        return "Reconnection test completed"

    @tool(
        input_schema={
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "level": {"type": "integer"},
            },
        }
    )
    def test_x_mcp_header(region: str = "", level: int = 0) -> str:
        """Echoes the region argument (mirrored into an Mcp-Param header, SEP-2243)."""
        return f"region={region}"

    @tool()
    def test_missing_capability(ctx: Context) -> str:
        """Needs the client's sampling capability."""
        if ctx.client_capabilities.sampling is msgspec.UNSET:
            raise RPCError(
                MISSING_SAMPLING,
                "Missing required client capability: sampling",
                {"requiredCapabilities": {"sampling": {}}},
            )
        return "sampling capability present"

    @tool()
    def test_streaming_elicitation() -> str:
        """Plain result; never sends a server-to-client request."""
        return "Streaming elicitation test completed"

    @tool(input_schema=JSON_SCHEMA_2020_12, description="Tool with JSON Schema 2020-12 features")
    def json_schema_2020_12_tool(ctx: Context) -> str:
        return f"Received: {json.dumps(ctx.params.arguments or {})}"

    # -- list changes -----------------------------------------------------------------

    @tool()
    def test_trigger_tool_change() -> str:
        """(Re-)adds a tool, which sends tools/list_changed."""

        def transient() -> str:
            """A tool that comes and goes (tools/list_changed)."""
            return "transient"

        server.add_tool(transient, name="__transient_tool_for_list_changed")
        return "Tool list changed"

    @tool()
    def test_trigger_prompt_change() -> str:
        """(Re-)adds a prompt, which sends prompts/list_changed."""

        def transient() -> str:
            """A prompt that comes and goes (prompts/list_changed)."""
            return "transient"

        server.add_prompt(transient, name="__transient_prompt_for_list_changed")
        return "Prompt list changed"

    # -- client input (handshake era: requests; 2026-07-28: input_required) ---------------

    @tool()
    async def test_sampling(ctx: Context, prompt: str) -> str:
        """Asks the client's model."""
        r = await ctx.sample([_user(prompt)], max_tokens=100)
        return f"LLM response: {_text(r)}"

    @tool()
    async def test_elicitation(ctx: Context, message: str) -> str:
        """Asks the user for a username."""
        schema = _obj(username={"type": "string", "description": "User's response"})
        r = await ctx.elicit(message, schema)
        return _elicit_text("User response", r)

    @tool()
    async def test_elicitation_sep1034_defaults(ctx: Context) -> str:
        """Elicitation with defaults for every primitive type (SEP-1034)."""
        r = await ctx.elicit(
            "Please review and update the form fields with defaults", SEP1034_SCHEMA
        )
        return _elicit_text("Elicitation completed", r)

    @tool()
    async def test_elicitation_sep1330_enums(ctx: Context) -> str:
        """Elicitation with the five enum schema variants (SEP-1330)."""
        r = await ctx.elicit("Please select options from the enum fields", SEP1330_SCHEMA)
        return _elicit_text("Elicitation completed", r)

    name_schema = _obj(name={"type": "string"})

    @tool()
    async def test_input_required_result_elicitation(ctx: Context) -> str:
        """Asks for the user's name through an input_required elicitation (SEP-2322)."""
        r = await ctx.elicit("What is your name?", name_schema, key="user_name")
        return f"Hello, {(r.content or {}).get('name', '')}!"

    @tool()
    async def test_input_required_result_sampling(ctx: Context) -> str:
        """Asks the client's model a question through an input_required result (SEP-2322)."""
        r = await ctx.sample(
            [_user("What is the capital of France?")], max_tokens=100, key="capital_question"
        )
        return f"Sampling response: {_text(r)}"

    @tool()
    async def test_input_required_result_list_roots(ctx: Context) -> str:
        """Asks for the client's roots through an input_required result (SEP-2322)."""
        return _roots_text(await ctx.list_roots(key="client_roots"))

    @tool()
    async def test_input_required_result_request_state(ctx: Context) -> str:
        """Round-trips requestState with one confirmation input (SEP-2322)."""
        ctx.request_state = "request_state"
        r = await ctx.elicit("Please confirm", _obj(ok={"type": "boolean"}), key="confirm")
        return f"state-ok: {ctx.request_state}, ok={(r.content or {}).get('ok')}"

    @tool()
    async def test_input_required_result_tampered_state(ctx: Context) -> str:
        """Refuses a requestState the client altered (SEP-2322)."""
        ctx.request_state = "tampered_state"
        r = await ctx.elicit("Please confirm", _obj(ok={"type": "boolean"}), key="confirm")
        return f"confirmed: {(r.content or {}).get('ok')}"

    @tool()
    async def test_input_required_result_multiple_inputs(ctx: Context) -> str:
        """Asks for three inputs in one round (SEP-2322)."""
        ctx.request_state = "multiple_inputs"
        answers = await ctx.request_inputs(
            {
                "user_name": t.ElicitParams(
                    mode="form", message="What is your name?", requested_schema=name_schema
                ),
                "greeting": t.CreateMessageParams(
                    messages=[_user("Generate a greeting")], max_tokens=50
                ),
                "client_roots": t.ListRootsParams(),
            }
        )
        name = (answers["user_name"].content or {}).get("name", "")
        return (
            f"Hello, {name}! Greeting: {_text(answers['greeting'])}. "
            f"{_roots_text(answers['client_roots'])}"
        )

    @tool()
    async def test_input_required_result_multi_round(ctx: Context) -> str:
        """Needs two rounds of input before it completes (SEP-2322)."""
        r1 = await ctx.elicit("What is your name?", name_schema, key="step1")
        name = (r1.content or {}).get("name", "")
        ctx.request_state = f"round=2;name={name}"
        r2 = await ctx.elicit(
            "What is your favorite color?", _obj(color={"type": "string"}), key="step2"
        )
        return f"Multi-round complete: {name} likes {(r2.content or {}).get('color', '')}"

    @tool()
    async def test_input_required_result_capabilities(ctx: Context) -> str:
        """Asks only for the inputs the client's capabilities allow (SEP-2322)."""
        caps = ctx.client_capabilities
        wanted: dict[str, Any] = {}
        if caps.elicitation is not msgspec.UNSET:
            wanted["user_name"] = t.ElicitParams(
                mode="form", message="What is your name?", requested_schema=name_schema
            )
        if caps.sampling is not msgspec.UNSET:
            wanted["greeting"] = t.CreateMessageParams(
                messages=[_user("Generate a greeting")], max_tokens=50
            )
        if caps.roots is not msgspec.UNSET:
            wanted["client_roots"] = t.ListRootsParams()
        if not wanted:
            return "No input kinds allowed by the client capabilities"
        answers = await ctx.request_inputs(wanted)
        return f"Received inputs: {', '.join(sorted(answers))}"

    # -- resources --------------------------------------------------------------------

    server.add_resource(
        "test://static-text",
        value="This is the content of the static text resource.",
        name="static-text",
        description="A static text resource for testing",
        mime_type="text/plain",
    )
    server.add_resource(
        "test://static-binary",
        value=base64.b64decode(PNG_B64),
        name="static-binary",
        description="A static binary resource (image) for testing",
        mime_type="image/png",
    )
    server.add_resource(
        WATCHED_URI,
        value="Watched resource content",
        name="watched-resource",
        description="A resource that is updated periodically",
        mime_type="text/plain",
    )

    @server.resource(
        "test://template/{id}/data",
        name="template",
        description="A resource template with parameter substitution",
        mime_type="application/json",
    )
    def template(id: str) -> str:
        return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})

    # -- prompts ----------------------------------------------------------------------

    @server.prompt(title="Simple Test Prompt")
    def test_simple_prompt() -> str:
        """A simple prompt without arguments."""
        return "This is a simple prompt for testing."

    @server.prompt(title="Prompt With Arguments")
    def test_prompt_with_arguments(arg1: str, arg2: str) -> str:
        """A prompt with required arguments."""
        return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"

    @server.prompt(title="Prompt With Embedded Resource")
    def test_prompt_with_embedded_resource(resourceUri: str) -> list[Any]:
        """A prompt that includes an embedded resource."""
        return [
            t.EmbeddedResource(
                resource=t.TextResourceContents(
                    uri=resourceUri,
                    mime_type="text/plain",
                    text="Embedded resource content for testing.",
                )
            ),
            "Please process the embedded resource above.",
        ]

    @server.prompt(title="Prompt With Image")
    def test_prompt_with_image() -> list[Any]:
        """A prompt that includes an image."""
        return [
            t.ImageContent(data=PNG_B64, mime_type="image/png"),
            "Please analyze the image above.",
        ]

    @server.prompt()
    async def test_input_required_result_prompt(ctx: Context) -> str:
        """A prompt that asks the client for context first (SEP-2322)."""
        r = await ctx.elicit(
            "What context should the prompt use?",
            _obj(context={"type": "string"}),
            key="user_context",
        )
        return f"Context: {(r.content or {}).get('context', '')}"

    # -- tasks (io.modelcontextprotocol/tasks, SEP-2663) ---------------------------------

    @tool()
    def greet(name: str) -> str:
        """Greets by name (a synchronous tool)."""
        return f"Hello, {name}!"

    @tool(task_support="optional")
    async def slow_compute(seconds: float = 1.0, label: str = "") -> str:
        """Sleeps `seconds` seconds, then answers (a task when the client negotiated tasks)."""
        await asyncio.sleep(seconds)
        return f"computed {label} after {seconds:g} s"

    @tool(task_support="required")
    async def failing_job() -> str:
        """Fails with a tool execution error (isError) after a moment."""
        await asyncio.sleep(TASK_FIXTURE_DELAY_SECONDS)
        raise ToolError("the job failed")

    @tool(task_support="optional")
    async def protocol_error_job() -> str:
        """Fails with a JSON-RPC error (the task ends failed)."""
        await asyncio.sleep(TASK_FIXTURE_DELAY_SECONDS)
        raise RPCError(INTERNAL_ERROR, "protocol_error_job: deliberate internal error")

    @tool(task_support="optional")
    async def confirm_delete(ctx: Context, filename: str) -> str:
        """Asks for confirmation (one elicitation), then answers."""
        r = await ctx.elicit(f"Delete {filename}?", _obj(confirm={"type": "boolean"}))
        ok = r.action == "accept" and bool((r.content or {}).get("confirm"))
        return f"{'deleted' if ok else 'kept'} {filename}"

    @tool(task_support="optional")
    async def multi_input(ctx: Context) -> str:
        """Asks two questions at once (two inputRequests pending together)."""
        schema = _obj(name={"type": "string"}, confirm={"type": "boolean"})
        first, second = await asyncio.gather(
            ctx.elicit("First?", schema), ctx.elicit("Second?", schema)
        )
        return f"{_elicit_text('first', first)}; {_elicit_text('second', second)}"

    @tool(task_support="required", defer_task=True)
    async def test_tool_with_task(ctx: Context) -> str:
        """Asks for a name (an input_required round), then finishes as a task."""
        r = await ctx.elicit("Your name?", _obj(name={"type": "string"}), key="user_name")
        await ctx.start_task()
        await asyncio.sleep(TASK_FIXTURE_DELAY_SECONDS)
        return f"Hello, {(r.content or {}).get('name', '')}!"

    # -- completion: answers every known argument (empty values are valid) --------------

    @server.completion()
    def complete(ref: Any, argument: t.CompleteArgument, context: dict[str, str]) -> list[str]:
        return []

    return server


async def _watch(server: Server, interval: float = WATCH_INTERVAL_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        server.resource_updated(WATCHED_URI)


async def serve_stdio(server: Server) -> None:
    watcher = asyncio.get_running_loop().create_task(_watch(server))
    try:
        await server.serve_stdio()
    finally:
        watcher.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="serve on stdin/stdout (default)")
    mode.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP")
    parser.add_argument("--stateless", action="store_true", help="stateless HTTP")
    parser.add_argument("--redis", metavar="URL", help="share sessions through this Redis")
    args = parser.parse_args(argv)
    server = build_server()
    if args.redis:
        from mcplite._server.redis_store import RedisStore
        from mcplite._server.store import use_store

        use_store(server, RedisStore(args.redis))
    if args.http:
        host, _, port = args.http.rpartition(":")
        server.run(
            "streamable-http", host=host or "127.0.0.1", port=int(port), stateless=args.stateless
        )
        return 0
    try:
        asyncio.run(serve_stdio(server))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
