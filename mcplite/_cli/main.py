"""The command line: ``python -m mcplite`` / ``mcplite`` (layer 4, stdlib only): the parser
and the dispatch to each command.

Exit codes scripts can rely on: 0 success; 1 the server answered with an error (an RPC
error, or a tool result with ``isError``); 2 usage error; 3 could not connect, or the
connection broke (named in ``targets``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from .._errors import MCPError
from .._gateway.cli import add_parser as add_proxy
from ..types import TRANSPORT_NAMES
from .bench import add_parser as add_bench
from .client_cmds import _COMMANDS
from .config_args import add_config_arguments
from .hostconfig import add_parser as add_config
from .install import add_parser as add_install
from .targets import (
    EXIT_CONNECTION,
    EXIT_OK,
    EXIT_SERVER_ERROR,
    EXIT_USAGE,
    UsageError,
    _plain_entry,
    _target,
    load_server,
)

__all__ = [
    "EXIT_CONNECTION",
    "EXIT_OK",
    "EXIT_SERVER_ERROR",
    "EXIT_USAGE",
    "UsageError",
    "load_server",
    "main",
]


# ---------------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace) -> int:
    server = load_server(args.target)
    if args.redis:
        if not args.http or args.stateless:
            raise UsageError("--redis needs --http (and shares handshake-era sessions)")
        from .._server.redis_store import RedisStore  # lazy: redis extra, only with --redis
        from .._server.store import use_store  # lazy: CLI: the store only with --redis

        use_store(server, RedisStore(args.redis))
    transport = args.transport or ("streamable-http" if args.http else "stdio")
    if (transport == "stdio") == bool(args.http):
        raise UsageError(
            f"--transport {transport} needs --http HOST:PORT"
            if args.http is None
            else "--http serves streamable-http or sse, not stdio"
        )
    try:
        if args.http:
            host, _, port = args.http.rpartition(":")
            if not port.isdigit():
                raise UsageError(f"--http expects HOST:PORT, got {args.http!r}")
            server.run(
                transport,
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
    # lazy: CLI: the gateway only for `mcplite proxy`
    from .._gateway.cli import ProxyUsageError, run_proxy

    raw = getattr(args, "entry_raw", None)
    try:
        return run_proxy(args, raw if raw is not None else _target(args.target, args.command_line))
    except ProxyUsageError as exc:
        raise UsageError(str(exc)) from None


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
    run.add_argument("--http", metavar="HOST:PORT", help="serve HTTP at this address")
    run.add_argument(
        "--transport",
        choices=TRANSPORT_NAMES,
        default=None,
        help="stdio (default), or with --http streamable-http (default) or sse",
    )
    run.add_argument("--stateless", action="store_true")
    run.add_argument("--json-response", action="store_true")
    run.add_argument(
        "--redis", metavar="URL", help="share sessions with other workers through this Redis"
    )

    add_proxy(sub)

    def client_command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("target", nargs="?")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--protocol-version", default=None, help="pin a protocol revision")
        p.add_argument(
            "--transport",
            choices=TRANSPORT_NAMES,
            default=None,
            help="stdio for a command, streamable-http (default) or sse for a URL",
        )
        return p

    client_command("list", "list tools, resources, templates and prompts")
    client_command("inspect", "server info, revision, capabilities and every schema")
    call = client_command("call", "call a tool")
    call.add_argument("tool")
    call.add_argument("pairs", nargs="*", default=[], metavar="key=value")
    call.add_argument("--args", help="arguments as a JSON object")
    call.add_argument(
        "--task",
        action="store_true",
        help="run it as a task (2026-07-28 tasks extension): states on stderr, Ctrl-C cancels",
    )
    read = client_command("read", "read a resource")
    read.add_argument("uri")
    prompt = client_command("prompt", "get a prompt")
    prompt.add_argument("name")
    prompt.add_argument("pairs", nargs="*", default=[], metavar="key=value")
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
    add_config_arguments(sub)
    add_config(sub)
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
        from .config_args import apply_config  # lazy: CLI: config files only with --config

        apply_config(args, UsageError)
        if args.cmd in ("bench", "dev") and args.entry is not None:
            if getattr(args, "html", None):
                args.html = os.path.abspath(args.html)  # relative to where bench was started
            _plain_entry(args.cmd, args.entry)
        if args.cmd == "demo":
            from .._cli.demo import demo  # lazy: CLI: the demo only for `mcplite demo`

            return asyncio.run(demo(args.protocol_version))
        if args.cmd == "demo-server":
            # lazy: CLI: the demo server only for `mcplite demo-server`
            from .._cli.demo_server import main as serve

            serve()
            return EXIT_OK
        if args.cmd == "run":
            return cmd_run(args)
        if args.cmd == "config":
            # lazy: CLI: host configs only for `mcplite config`
            from .hostconfig import dump, run as host_config

            try:
                print(dump(host_config(args)))
            except ValueError as exc:
                raise UsageError(f"config: {exc}") from None
            return EXIT_OK
        if args.cmd == "install":
            from .install import install  # lazy: CLI: installer only for `mcplite install`

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
            from .bench import run as bench  # lazy: CLI: bench only for `mcplite bench`

            return bench(args)
        if args.cmd in ("call", "read", "prompt") and args.target is None and not args.command_line:
            raise UsageError(f"{args.cmd}: give a TARGET before the other arguments")
        return asyncio.run(_COMMANDS[args.cmd](args))
    except UsageError as exc:
        print(f"mcplite: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
