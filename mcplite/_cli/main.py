"""The command line: ``python -m mcplite`` / ``mcplite`` (layer 3, stdlib only).

Exit codes scripts can rely on: 0 success; 1 the server answered with an error (an RPC
error, or a tool result with ``isError``); 2 usage error; 3 could not connect, or the
connection broke.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._errors import MCPError, RequestTimeout, RPCError, TransportError

EXIT_OK: Final = 0
EXIT_SERVER_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_CONNECTION: Final = 3


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------- targets


def load_server(spec: str) -> Any:
    """The ``Server`` named by ``path.py[:name]`` or ``package.module[:name]``."""
    from .._server.server import Server

    location, _, name = spec.partition(":")
    if location.endswith(".py") or os.sep in location:
        path = os.path.abspath(location)
        if not os.path.isfile(path):
            raise UsageError(f"no such file: {location}")
        module_name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        mod_spec = importlib.util.spec_from_file_location(module_name, path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[module_name] = module
        mod_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise UsageError(f"cannot import {location!r}: {exc}") from None
    if name:
        obj = getattr(module, name, None)
        if obj is None:
            raise UsageError(f"{location} has no attribute {name!r}")
        if callable(obj) and not isinstance(obj, Server):
            obj = obj()  # a factory
    else:
        found = [v for v in vars(module).values() if isinstance(v, Server)]
        if len(found) != 1:
            raise UsageError(
                f"{location} defines {len(found)} Server objects; name one as {location}:NAME"
            )
        obj = found[0]
    if not isinstance(obj, Server):
        raise UsageError(f"{spec} is a {type(obj).__name__}, not an mcplite Server")
    return obj


def _target(target: str | None, command: list[str]) -> Any:
    """A ``connect()`` target: a URL, a command list, or a Python target to spawn."""
    if command:
        return command
    if target is None:
        raise UsageError("give a TARGET (a URL, path.py[:name], module[:name]) or -- COMMAND")
    if target.startswith(("http://", "https://")):
        return target
    _check_python_target(target)
    return [sys.executable, "-m", "mcplite", "run", target]


def _check_python_target(spec: str) -> None:
    """Refuse a target that cannot load before spawning it, so a typo is a usage error (2)
    and not a connection failure (3).  The module itself is only imported in the child."""
    location = spec.partition(":")[0]
    if location.endswith(".py") or os.sep in location:
        if not os.path.isfile(location):
            raise UsageError(f"no such file: {location}")
        return
    try:
        found = importlib.util.find_spec(location)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"cannot import {location!r}: {exc}") from None
    if found is None:
        raise UsageError(f"no module named {location!r}")


def _kv(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` arguments; values that parse as JSON are taken as JSON."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {pair!r}")
        try:
            out[key] = msgspec.json.decode(value)
        except msgspec.DecodeError:
            out[key] = value
    return out


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


# ---------------------------------------------------------------------- commands


async def _with_client(args: argparse.Namespace, body: Any) -> int:
    from .._client.connect import connect

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
    try:
        if entry is not None:
            from .._client.config import connect_entry

            client = connect_entry(entry, **options)
        else:
            client = connect(target, **options)  # type: ignore[arg-type]
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
    arguments = _kv(args.pairs)
    if args.args:
        try:
            extra = msgspec.json.decode(args.args)
        except msgspec.DecodeError as exc:
            raise UsageError(f"--args is not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise UsageError("--args must be a JSON object")
        arguments.update(extra)

    async def body(client: Any) -> int:
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


def cmd_run(args: argparse.Namespace) -> int:
    server = load_server(args.target)
    if args.redis:
        if not args.http or args.stateless:
            raise UsageError("--redis needs --http (and shares handshake-era sessions)")
        from .._server.redis_store import RedisStore
        from .._server.store import use_store

        use_store(server, RedisStore(args.redis))
    try:
        if args.http:
            host, _, port = args.http.rpartition(":")
            if not port.isdigit():
                raise UsageError(f"--http expects HOST:PORT, got {args.http!r}")
            server.run(
                "http",
                host=host or "127.0.0.1",
                port=int(port),
                stateless=args.stateless,
                json_response=args.json_response,
            )
        else:
            if args.stateless or args.json_response:
                raise UsageError("--stateless and --json-response need --http")
            server.run()
    except (MCPError, OSError) as exc:
        print(f"mcplite: cannot serve: {exc}", file=sys.stderr)
        return EXIT_CONNECTION
    return EXIT_OK


def cmd_proxy(args: argparse.Namespace) -> int:
    from .._gateway.cli import ProxyUsageError, run_proxy

    raw = getattr(args, "entry_raw", None)
    try:
        return run_proxy(args, raw if raw is not None else _target(args.target, args.command_line))
    except ProxyUsageError as exc:
        raise UsageError(str(exc)) from None


def _plain_entry(cmd: str, entry: Any) -> None:
    """bench and dev take a URL or a command only: an entry's env goes to this process's
    environment (the child inherits it); what they cannot carry is refused."""
    if entry.cwd is not None or entry.headers or entry.type == "sse":
        raise UsageError(
            f"{cmd}: the --config entry {entry.name!r} needs cwd, headers or sse, which "
            f"{cmd} does not take yet; give the URL or -- COMMAND instead"
        )
    os.environ.update(entry.env or {})


def _s(value: Any) -> str:
    return "" if value is UNSET or value is None else str(value)


# ---------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcplite",
        description="mcplite: run MCP servers and talk to them.",
        epilog="TARGET is a URL, path.py[:name], package.module[:name], "
        "or '-- COMMAND ARGS...' (any stdio server) after the other arguments. "
        "Exit codes: 0 ok, 1 server error, 2 usage, 3 connection.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="spawn the demo server over stdio and talk to it")
    demo.add_argument("--protocol-version", default=None)
    sub.add_parser("demo-server", help="run the demo server on stdin/stdout")
    run = sub.add_parser("run", help="serve a Server over stdio or streamable HTTP")
    run.add_argument("target")
    run.add_argument("--http", metavar="HOST:PORT")
    run.add_argument("--stateless", action="store_true")
    run.add_argument("--json-response", action="store_true")
    run.add_argument(
        "--redis", metavar="URL", help="share sessions with other workers through this Redis"
    )

    from .._gateway.cli import add_parser as add_proxy

    add_proxy(sub)

    def client_command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("target", nargs="?")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--protocol-version", default=None, help="pin a protocol revision")
        return p

    client_command("list", "list tools, resources, templates and prompts")
    client_command("inspect", "server info, revision, capabilities and every schema")
    call = client_command("call", "call a tool")
    call.add_argument("tool")
    call.add_argument("pairs", nargs="*", default=[], metavar="key=value")
    call.add_argument("--args", help="arguments as a JSON object")
    read = client_command("read", "read a resource")
    read.add_argument("uri")
    prompt = client_command("prompt", "get a prompt")
    prompt.add_argument("name")
    prompt.add_argument("pairs", nargs="*", default=[], metavar="key=value")
    from .bench import add_parser as add_bench

    add_bench(sub)
    dev = sub.add_parser("dev", help="inspect a server in the browser (served on loopback)")
    dev.add_argument("target", nargs="?")
    dev.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    dev.add_argument("--host", default="127.0.0.1", help="address to serve on (loopback)")
    dev.add_argument("--no-browser", action="store_true", help="print the URL only")
    dev.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (token kept)"
    )
    dev.add_argument("--protocol-version", default=None, help="pin a protocol revision")
    from .config_args import add_config_arguments
    from .hostconfig import add_parser as add_config

    add_config_arguments(sub)
    add_config(sub)
    from .install import add_parser as add_install

    add_install(sub)
    return parser


def cmd_dev(args: argparse.Namespace) -> int:
    from .._cli.dev import run_dev  # lazy: the inspector and its page load only for `dev`

    target = _target(args.target, args.command_line)
    try:
        return asyncio.run(
            run_dev(
                target,
                host=args.host,
                port=args.port,
                open_browser=not args.no_browser,
                allow_remote=args.allow_remote,
                protocol_version=args.protocol_version,
            )
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


_COMMANDS: Final = {
    "list": cmd_list,
    "inspect": cmd_inspect,
    "call": cmd_call,
    "read": cmd_read,
    "prompt": cmd_prompt,
}


def _quiet_stdout() -> None:
    # Nothing more can reach the reader; point fd 1 at /dev/null so the interpreter's own
    # flush at exit does not print "Exception ignored ... BrokenPipeError".
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - stdout is not a real file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """The ``mcplite`` command.  A closed stdout (``mcplite inspect ... | head -1``) ends
    it quietly with status 0, as for any filter whose reader has what it wanted."""
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    return code


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command_line: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, command_line = argv[:i], argv[i + 1 :]
    parser = _parser()
    args = parser.parse_args(argv)
    args.command_line = command_line
    if (command_line or getattr(args, "config", None)) and getattr(args, "target", None):
        # With "-- COMMAND" or --config there is no TARGET: argparse gave it the first word.
        if args.cmd == "call":
            args.pairs, args.tool, args.target = [args.tool, *args.pairs], args.target, None
        elif args.cmd == "prompt":
            args.pairs, args.name, args.target = [args.name, *args.pairs], args.target, None
    try:
        from .config_args import apply_config

        apply_config(args, UsageError)
        if args.cmd in ("bench", "dev") and args.entry is not None:
            _plain_entry(args.cmd, args.entry)
        if args.cmd == "demo":
            from .._cli.demo import demo

            return asyncio.run(demo(args.protocol_version))
        if args.cmd == "demo-server":
            from .._cli.demo_server import main as serve

            serve()
            return EXIT_OK
        if args.cmd == "run":
            return cmd_run(args)
        if args.cmd == "config":
            from .hostconfig import dump, run as host_config

            try:
                print(dump(host_config(args)))
            except ValueError as exc:
                raise UsageError(f"config: {exc}") from None
            return EXIT_OK
        if args.cmd == "install":
            from .install import install

            try:
                sys.stdout.write(install(args))
            except (ValueError, OSError) as exc:
                raise UsageError(f"install: {exc}") from None
            return EXIT_OK
        if args.cmd == "dev":
            return cmd_dev(args)
        if args.cmd == "proxy":
            return cmd_proxy(args)
        if args.cmd == "bench":
            from .bench import run as bench

            return bench(args)
        if args.cmd in ("call", "read", "prompt") and args.target is None and not args.command_line:
            raise UsageError(f"{args.cmd}: give a TARGET before the other arguments")
        return asyncio.run(_COMMANDS[args.cmd](args))
    except UsageError as exc:
        print(f"mcplite: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
