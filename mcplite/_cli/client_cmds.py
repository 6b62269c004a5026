"""The client commands (``list``, ``inspect``, ``call``, ``read``, ``prompt``): connect,
answer the server's questions at the terminal, print what came back."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._errors import MCPError, RequestTimeout, RPCError, TransportError
from .targets import (
    EXIT_CONNECTION,
    EXIT_OK,
    EXIT_SERVER_ERROR,
    UsageError,
    _kv,
    _target,
    call_arguments,
)

# ---------------------------------------------------------------------- interaction


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


async def _elicit(params: t.ElicitParams) -> t.ElicitResult:
    if not _interactive():
        print(
            "mcplite: the server asked for input, but stdin is not a terminal; declining",
            file=sys.stderr,
        )
        return t.ElicitResult(action="decline")
    print(f"server asks: {params.message}", file=sys.stderr)
    if params.mode == "url":
        print(f"  open: {params.url}", file=sys.stderr)
        answer = await asyncio.to_thread(input, "done? [y/N] ")
        return t.ElicitResult(action="accept" if answer.lower().startswith("y") else "decline")
    content: dict[str, Any] = {}
    schema = params.requested_schema if isinstance(params.requested_schema, dict) else {}
    for key, prop in (schema.get("properties") or {}).items():
        raw = await asyncio.to_thread(input, f"  {key} ({prop.get('type', 'string')}): ")
        try:
            content[key] = msgspec.json.decode(raw) if prop.get("type") != "string" else raw
        except msgspec.DecodeError:
            content[key] = raw
    return t.ElicitResult(action="accept", content=content)


async def _sample(params: t.CreateMessageParams) -> t.CreateMessageResult:
    if not _interactive():
        raise RPCError(-32600, "sampling refused: the mcplite CLI is not on a terminal")
    for message in params.messages:
        content = message.content
        text = getattr(content, "text", None) if not isinstance(content, list) else None
        shown = text if text is not None else repr(content)
        print(f"[{message.role}] {shown}", file=sys.stderr)
    answer = await asyncio.to_thread(input, "your reply as the model: ")
    return t.CreateMessageResult(
        role="assistant", content=t.TextContent(text=answer), model="human-via-mcplite-cli"
    )


def _log_message(params: t.LoggingMessageNotificationParams) -> None:
    data = params.data if isinstance(params.data, str) else msgspec.json.encode(params.data)
    text = data if isinstance(data, str) else data.decode()
    print(f"log {params.level}: {text}", file=sys.stderr)


def _progress(progress: float, total: float | None, message: str | None) -> None:
    of = f"/{total:g}" if total is not None else ""
    print(f"progress {progress:g}{of} {message or ''}".rstrip(), file=sys.stderr)


def _task_status(state: Any) -> None:
    message = state.status_message if isinstance(state.status_message, str) else ""
    print(f"task {state.task_id} {state.status} {message}".rstrip(), file=sys.stderr)


# ---------------------------------------------------------------------- output


def _dump(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def _content_text(content: Sequence[Any]) -> str:
    parts = []
    for block in content:
        if isinstance(block, t.TextContent):
            parts.append(block.text)
        elif isinstance(block, t.EmbeddedResource):
            parts.append(f"[resource {block.resource.uri}]")
        else:
            # msgspec keeps a tagged Struct's tag in its config, not as an attribute.
            tag = getattr(type(block), "__struct_config__", None)
            parts.append(f"[{getattr(tag, 'tag', None) or type(block).__name__}]")
    return "\n".join(parts)


def _table(rows: list[tuple[str, str]], title: str) -> None:
    print(f"{title} ({len(rows)})")
    width = max((len(a) for a, _ in rows), default=0)
    for a, b in rows:
        first = (b or "").strip().splitlines()[0] if b else ""
        print(f"  {a.ljust(width)}  {first}")


async def _with_client(args: argparse.Namespace, body: Any) -> int:
    from .._client.connect import connect  # lazy: CLI: the client stack only for client commands

    entry = getattr(args, "entry", None)
    target = None if entry is not None else _target(args.target, args.command_line)
    options: dict[str, Any] = {
        "name": "mcplite-cli",
        "elicitation": _elicit,
        "sampling": _sample,
        "protocol_version": args.protocol_version,
        "on_logging_message": _log_message,
        "log_level": "info",  # 2026-07-28 sends no log messages unless a level is asked for
    }
    if getattr(args, "task", False):
        options["tasks"] = True  # declare io.modelcontextprotocol/tasks (SEP-2663)
    transport = getattr(args, "transport", None)
    if transport is not None:
        if entry is not None:
            raise UsageError("--transport applies to a TARGET, not a --config entry")
        options["transport"] = transport
    try:
        if entry is not None:
            from .._client.config import connect_entry  # lazy: CLI: config files only with --config

            client = connect_entry(entry, **options)
        else:
            try:
                client = connect(target, **options)  # type: ignore[arg-type]
            except ValueError as exc:  # e.g. --transport sse for a command
                raise UsageError(str(exc)) from None
        async with client:
            return int(await body(client))
    except RPCError as exc:
        print(
            f"mcplite: the server answered an error: {exc.message} (code {exc.code})",
            file=sys.stderr,
        )
        return EXIT_SERVER_ERROR
    except BrokenPipeError:
        # Our own output's reader went away (`... | head -1`): main() exits quietly.  A
        # broken pipe to the server never arrives bare: the transport reports it as
        # ConnectionClosed.
        raise
    except (TransportError, OSError) as exc:
        print(f"mcplite: connection failed: {exc}", file=sys.stderr)
        return EXIT_CONNECTION
    except RequestTimeout as exc:
        print(f"mcplite: no answer: {exc}", file=sys.stderr)
        return EXIT_CONNECTION
    except MCPError as exc:
        # A protocol error: the server broke a rule, or cannot do what was asked (e.g. it
        # does not advertise the capability).  Either way the server's side: exit 1.
        print(f"mcplite: {exc}", file=sys.stderr)
        return EXIT_SERVER_ERROR


async def cmd_list(args: argparse.Namespace) -> int:
    async def body(client: Any) -> int:
        caps = client.server_capabilities
        tools = await client.list_all_tools() if caps.tools is not UNSET else []
        resources = await client.list_all_resources() if caps.resources is not UNSET else []
        templates = (
            await client.list_all_resource_templates() if caps.resources is not UNSET else []
        )
        prompts = await client.list_all_prompts() if caps.prompts is not UNSET else []
        if args.json:
            _dump(
                {
                    "tools": tools,
                    "resources": resources,
                    "resourceTemplates": templates,
                    "prompts": prompts,
                }
            )
            return EXIT_OK
        _table([(x.name, _s(x.description)) for x in tools], "tools")
        _table([(x.uri, _s(x.description) or x.name) for x in resources], "resources")
        _table([(x.uri_template, _s(x.description) or x.name) for x in templates], "templates")
        _table([(x.name, _s(x.description)) for x in prompts], "prompts")
        return EXIT_OK

    return await _with_client(args, body)


async def cmd_inspect(args: argparse.Namespace) -> int:
    async def body(client: Any) -> int:
        caps = client.server_capabilities
        report = {
            "serverInfo": client.server_info,
            "protocolVersion": client.protocol_version,
            "instructions": client.instructions,
            "capabilities": caps,
            "tools": await client.list_all_tools() if caps.tools is not UNSET else [],
            "resources": await client.list_all_resources() if caps.resources is not UNSET else [],
            "resourceTemplates": (
                await client.list_all_resource_templates() if caps.resources is not UNSET else []
            ),
            "prompts": await client.list_all_prompts() if caps.prompts is not UNSET else [],
        }
        if args.json:
            _dump(report)
            return EXIT_OK
        info = client.server_info
        print(f"server     {info.name if info else '?'} {info.version if info else ''}")
        print(f"protocol   {client.protocol_version}")
        if client.instructions:
            print(f"instructions {client.instructions}")
        print("capabilities " + msgspec.json.encode(caps).decode())
        for tool in report["tools"]:
            print(f"tool {tool.name}: {_s(tool.description)}")
            print("  input  " + msgspec.json.encode(tool.input_schema).decode())
            if tool.output_schema is not UNSET:
                print("  output " + msgspec.json.encode(tool.output_schema).decode())
        for res in report["resources"]:
            print(f"resource {res.uri} ({res.name})")
        for tpl in report["resourceTemplates"]:
            print(f"template {tpl.uri_template} ({tpl.name})")
        for prompt in report["prompts"]:
            names = [a.name for a in (prompt.arguments or [])]
            print(f"prompt {prompt.name}({', '.join(names)}): {_s(prompt.description)}")
        return EXIT_OK

    return await _with_client(args, body)


async def cmd_call(args: argparse.Namespace) -> int:
    arguments = call_arguments(args.pairs, args.args)

    async def body(client: Any) -> int:
        if getattr(args, "task", False):
            # SEP-2663: run it as a task; its states go to stderr, the result to stdout.
            # Ctrl-C cancels the wait, which sends tasks/cancel (ToolTask.wait).
            handle = await client.start_tool_task(args.tool, arguments, on_status=_task_status)
            if handle.last is not None:
                _task_status(handle.last)
            result = await handle.wait()
        else:
            result = await client.call_tool(args.tool, arguments, on_progress=_progress)
        if args.json:
            _dump(result)
        else:
            print(_content_text(result.content))
        return EXIT_SERVER_ERROR if result.is_error else EXIT_OK

    return await _with_client(args, body)


async def cmd_read(args: argparse.Namespace) -> int:
    async def body(client: Any) -> int:
        result = await client.read_resource(args.uri)
        if args.json:
            _dump(result)
            return EXIT_OK
        for item in result.contents:
            if isinstance(getattr(item, "text", UNSET), str):
                print(item.text)
            else:
                print(f"[binary {item.mime_type or ''} {len(item.blob or '')} base64 chars]")
        return EXIT_OK

    return await _with_client(args, body)


async def cmd_prompt(args: argparse.Namespace) -> int:
    arguments = {
        k: v if isinstance(v, str) else msgspec.json.encode(v).decode()
        for k, v in _kv(args.pairs).items()
    }

    async def body(client: Any) -> int:
        result = await client.get_prompt(args.name, arguments)
        if args.json:
            _dump(result)
            return EXIT_OK
        for message in result.messages:
            print(f"[{message.role}] {_content_text([message.content])}")
        return EXIT_OK

    return await _with_client(args, body)


def _s(value: Any) -> str:
    return "" if value is UNSET or value is None else str(value)


_COMMANDS: Final = {
    "list": cmd_list,
    "inspect": cmd_inspect,
    "call": cmd_call,
    "read": cmd_read,
    "prompt": cmd_prompt,
}
