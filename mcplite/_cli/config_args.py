"""``--config FILE --server NAME``: every client command's target from an ``mcpServers``
configuration (Claude Desktop, Claude Code, Cursor, VS Code files work as they are)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from typing import Any

# The commands that talk to a server and so take a configuration entry as their target.
CONFIG_COMMANDS = ("list", "inspect", "call", "read", "prompt", "bench", "proxy", "dev")


def add_config_arguments(sub: Any, commands: Iterable[str] = CONFIG_COMMANDS) -> None:
    """Give each named sub-command (of an argparse sub-parsers action) the two options."""
    for name in commands:
        parser: argparse.ArgumentParser | None = sub.choices.get(name)
        if parser is None:
            continue
        group = parser.add_argument_group("target from a client configuration")
        group.add_argument(
            "--config",
            metavar="FILE",
            help='a JSON file with "mcpServers" (claude_desktop_config.json, .mcp.json, ...)',
        )
        group.add_argument(
            "--server", metavar="NAME", help="the entry of --config to use (if it has several)"
        )


def apply_config(args: argparse.Namespace, usage_error: type[Exception]) -> None:
    """Resolve ``--config``/``--server`` into the target fields the commands read:
    ``args.entry`` (the checked ``ServerEntry``), ``args.entry_raw`` (its JSON object),
    and ``args.target`` (a URL) or ``args.command_line`` (a command) for code that only
    knows those."""
    config, server = getattr(args, "config", None), getattr(args, "server", None)
    args.entry = args.entry_raw = None
    if config is None:
        if server is not None:
            raise usage_error("--server needs --config FILE")
        return
    if getattr(args, "target", None) is not None or args.command_line:
        raise usage_error("--config names the server: give no TARGET or -- COMMAND with it")
    from .._client.config import load_config  # lazy: CLI: config files only with --config

    # lazy: CLI: config files only with --config
    from .._core.mcpservers import ConfigError, select, servers

    try:
        data = load_config(config)
        entry = select(data, server, os.environ)
    except ConfigError as exc:
        raise usage_error(f"{config}: {exc}") from None
    args.entry, args.entry_raw = entry, dict(servers(data)[entry.name])
    if entry.type == "stdio":
        args.command_line = entry.argv
    else:
        args.target = entry.url
